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

// What a database had before the typed job columns: jobs whose specs request "500m" CPU,
// "16Gi" of memory and GPUs, in states and with reasons every stop reason is read from.
void FillBeforeTypedJobColumns(MetadataStore& store);

// After the typed-job-columns migration each job's resources are parsed from its spec and its
// stop reason read from its state and reason.
void ExpectMigratedToTypedJobColumns(MetadataStore& store);

// What a database had before quotas: teams with members, and a job.
void FillBeforeQuotas(MetadataStore& store);

// After the quotas migration those teams have no quota row (no limits) and take one.
void ExpectMigratedToQuotas(MetadataStore& store);

// What a database had before costs: a team with a member, and a job of that team.
void FillBeforeCosts(MetadataStore& store);

// After the costs migration the team has no budget, its job no cost and no warning was sent;
// a budget, a cost and a warning can each be recorded.
void ExpectMigratedToCosts(MetadataStore& store);

}  // namespace inet::store::testing
