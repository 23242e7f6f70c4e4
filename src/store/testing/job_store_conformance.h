// The JobStore conformance suite: one value-parameterised GoogleTest suite that pins the
// JobStore contract (store/job_store.h), run against every adapter. See
// store/testing/conformance_target.h for how an adapter instantiates it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/job_store.h"
#include "store/testing/conformance_target.h"

namespace inet::store::testing {

// Fixture: store() is the jobs store of a fresh MetadataStore for each test.
class JobStoreConformanceTest : public MetadataStoreTest {
 protected:
  JobStore& store() { return metadata().jobs(); }
};

}  // namespace inet::store::testing
