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
class TrackingStoreConformanceTest : public MetadataStoreTest {
 protected:
  TrackingStore& store() { return metadata().tracking(); }

  // Helpers for the cases: create an experiment / a RUNNING run with the given start time.
  std::string MakeExperiment(const std::string& name);
  std::string MakeRun(const std::string& experiment_id, int64_t start_time = 1000,
                      const std::string& run_name = "");
};

}  // namespace inet::store::testing
