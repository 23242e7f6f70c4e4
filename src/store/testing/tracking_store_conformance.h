// The TrackingStore conformance suite: one value-parameterised GoogleTest suite that pins the
// TrackingStore contract (store/tracking_store.h), run against every adapter. See
// store/testing/conformance_target.h for how an adapter instantiates it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/testing/conformance_target.h"
#include "store/tracking_store.h"

namespace inet::store::testing {

// Fixture: store() is the tracking store of a fresh MetadataStore for each test.
// The fixture also stores experiment "0" ("Default"), as tracking::EnsureDefaultExperiment does
// when a server starts: adapters create no experiment of their own.
class TrackingStoreConformanceTest : public MetadataStoreTest {
 protected:
  void SetUp() override;

  TrackingStore& store() { return metadata().tracking(); }

  // Helpers for the cases: create an experiment / a RUNNING run with the given start time (its
  // name also stored as its mlflow.runName tag, as the tracking service does).
  std::string MakeExperiment(const std::string& name);
  std::string MakeRun(const std::string& experiment_id, int64_t start_time = 1000,
                      const std::string& run_name = "");
};

}  // namespace inet::store::testing
