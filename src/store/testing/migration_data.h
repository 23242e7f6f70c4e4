// Data written through a MetadataStore before a schema migration, and the checks of what the
// migration made of it: shared by the SQLite and PostgreSQL migration tests, which roll a
// store's schema back by hand, reopen it and check the result.
#pragma once

#include "store/metadata_store.h"

namespace inet::store::testing {

// What a database had before teams: an admin token, a user token, an attempt token (scoped)
// and a job submitted by a user with no token of their own.
void FillBeforeTeams(MetadataStore& store);

// After the teams migration everything made before belongs to team "default": every user a
// user token or a job names is a member, and admin tokens' users are platform admins.
void ExpectMigratedToTeams(MetadataStore& store);

}  // namespace inet::store::testing
