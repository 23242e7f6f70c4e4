// The TokenStore conformance suite: one value-parameterised GoogleTest suite that pins the
// TokenStore contract (store/token_store.h), run against every adapter. See
// store/testing/conformance_target.h for how an adapter instantiates it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/testing/conformance_target.h"
#include "store/token_store.h"

namespace inet::store::testing {

// Fixture: store() is the tokens store of a fresh MetadataStore for each test.
class TokenStoreConformanceTest : public MetadataStoreTest {
 protected:
  TokenStore& store() { return metadata().tokens(); }
};

}  // namespace inet::store::testing
