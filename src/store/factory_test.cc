#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/ids.h"
#include "store/metadata_store.h"

namespace inet::store {
namespace {

TEST(OpenMetadataStoreTest, OpensSqliteByUriOrBarePath) {
  auto dir = std::filesystem::temp_directory_path() / ("inet-factory-" + RandomHex(8));
  auto by_uri = OpenMetadataStore("sqlite:///" + (dir / "a.db").string(), "file:///root");
  ASSERT_TRUE(by_uri.ok()) << by_uri.status().ToString();
  Experiment experiment;
  experiment.name = "e";
  StatusOr<std::string> id = (*by_uri)->tracking().CreateExperiment(experiment);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ((*by_uri)->tracking().GetExperiment(*id)->artifact_location, "file:///root/" + *id);
  auto by_path = OpenMetadataStore((dir / "b.db").string(), "file:///root");
  ASSERT_TRUE(by_path.ok()) << by_path.status().ToString();
  std::filesystem::remove_all(dir);
}

TEST(OpenMetadataStoreTest, RejectsUnknownScheme) {
  auto store = OpenMetadataStore("mysql://u:p@h/db", "file:///root");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace inet::store
