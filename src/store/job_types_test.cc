#include "store/job_types.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace inet::store {
namespace {

const std::vector<JobState> kAllStates = {
    JobState::kPending, JobState::kQueued,    JobState::kRunning, JobState::kSucceeded,
    JobState::kFailed,  JobState::kCancelled, JobState::kTimedOut};

TEST(JobTypesTest, NamesAreTheDocumentedOnes) {
  std::vector<std::string> names;
  for (JobState s : kAllStates) names.emplace_back(JobStateName(s));
  EXPECT_EQ(names, (std::vector<std::string>{"Pending", "Queued", "Running", "Succeeded", "Failed",
                                             "Cancelled", "TimedOut"}));
}

TEST(JobTypesTest, ParseRoundTripsAndIgnoresCase) {
  for (JobState s : kAllStates) {
    EXPECT_EQ(ParseJobState(JobStateName(s)), s) << JobStateName(s);
  }
  EXPECT_EQ(ParseJobState("running"), JobState::kRunning);
  EXPECT_EQ(ParseJobState("TIMEDOUT"), JobState::kTimedOut);
  EXPECT_EQ(ParseJobState("cAnCeLlEd"), JobState::kCancelled);
}

TEST(JobTypesTest, ParseRejectsOtherNames) {
  EXPECT_EQ(ParseJobState(""), std::nullopt);
  EXPECT_EQ(ParseJobState("Run"), std::nullopt);
  EXPECT_EQ(ParseJobState("Running "), std::nullopt);
  EXPECT_EQ(ParseJobState("Timed_Out"), std::nullopt);
  EXPECT_EQ(ParseJobState("Canceled"), std::nullopt);
}

TEST(JobTypesTest, TerminalStatesAreTheLastFour) {
  EXPECT_FALSE(IsTerminal(JobState::kPending));
  EXPECT_FALSE(IsTerminal(JobState::kQueued));
  EXPECT_FALSE(IsTerminal(JobState::kRunning));
  EXPECT_TRUE(IsTerminal(JobState::kSucceeded));
  EXPECT_TRUE(IsTerminal(JobState::kFailed));
  EXPECT_TRUE(IsTerminal(JobState::kCancelled));
  EXPECT_TRUE(IsTerminal(JobState::kTimedOut));
}

}  // namespace
}  // namespace inet::store
