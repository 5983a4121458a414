#pragma once

// The early-stopping search of forms 2 and 3 (selector.h, "The search"):
// over an indexed catalogue and snapshot, the scope's variants cheapest
// first, stopping past the cost of the best serving option. Private to the
// selector.

#include <optional>

#include "controller/cluster_snapshot.h"
#include "controller/internal/selector_candidates.h"
#include "controller/selector.h"

namespace infaas::controller::internal {

struct ServingChoice {
  Candidate chosen;                  // serving, not overloaded, in time
  std::optional<Candidate> to_load;  // the background load to go with it
};

// What BestQualifying would pick among every candidate, and the background
// load BestToLoad and WorthLoadingInBackground would add, when that pick is
// serving and not overloaded. nullopt when no such option qualifies, or
// when the catalogue (for this batch) or the snapshot has no index: the
// caller then builds every candidate.
std::optional<ServingChoice> SearchServing(const QueryRequirements& requirements,
                                           const Catalogue& catalogue,
                                           const ClusterSnapshot& cluster,
                                           const SelectorOptions& options);

}  // namespace infaas::controller::internal
