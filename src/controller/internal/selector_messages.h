#pragma once

// The selector's words: error messages that name the thing and the fix, and
// the reasons attached to choices. Private to the selector.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "controller/internal/selector_candidates.h"
#include "controller/selector.h"

namespace infaas::controller::internal {

// "0.04", "3.1", "120" (two decimals at most, trailing zeros dropped);
// "unmeasured" for +inf.
std::string FormatMs(double ms);
// "92.1%", "99%", "99.99%" (two decimals at most, trailing zeros dropped).
std::string FormatPercent(double percent);
// "[1,28,28]" (config style) and "3,224,224" (the -d flag's style).
std::string FormatDims(const std::vector<int64_t>& dims, bool brackets);

// Levenshtein distance between two names.
int EditDistance(absl::string_view a, absl::string_view b);

// Up to `limit` of `names`, closest to `target` first (ties by name),
// keeping only those within `max_distance` edits.
std::vector<std::string> ClosestNames(absl::string_view target, std::vector<std::string> names,
                                      int limit, int max_distance);

// NOT_FOUND errors that say what exists and how to list it.
absl::Status UnknownVariantError(absl::string_view variant, const Catalogue& catalogue, int limit);
absl::Status UnknownArchitectureError(absl::string_view architecture, const Catalogue& catalogue,
                                      int limit);
absl::Status UnknownFamilyError(absl::string_view task, absl::string_view dataset,
                                const Catalogue& catalogue, int limit);

// UNAVAILABLE: the snapshot holds no worker.
absl::Status NoLiveWorkersError();

// Why no worker can load `record`: "it needs 512 MiB free and the most any
// worker has is 100 MiB (w2)", or that every worker already holds it.
std::string NoRoomText(const v1::VariantRecord& record, const ClusterSnapshot& cluster);

// What forms 2 and 3 ask for: "5 ms at batch 1", or with a minimum accuracy
// "accuracy >= 99% within 5 ms at batch 1".
std::string RequirementText(const QueryRequirements& requirements);

// FAILED_PRECONDITION text when no record meets the requirements even warm
// and idle: the nearest trade-offs (faster, more accurate) among `records`.
// `scope` reads like "variant of lenet5".
std::string InfeasibleMessage(absl::string_view scope,
                              const std::vector<const v1::VariantRecord*>& records,
                              const QueryRequirements& requirements);

// When to retry a query NotNowMessage refuses (ms): the load of `to_load`
// (may be null), else until the option it names would meet the target;
// 0 when it names none (nothing to wait for).
double NotNowRetryAfterMs(const std::vector<Candidate>& candidates, const Candidate* to_load,
                          const QueryRequirements& requirements);

// UNAVAILABLE text when some record would qualify warm and idle but no
// candidate does now; `to_load` (may be null) is being loaded in the
// background.
std::string NotNowMessage(absl::string_view scope,
                          const std::vector<const v1::VariantRecord*>& records,
                          const std::vector<Candidate>& candidates, const Candidate* to_load,
                          const ClusterSnapshot& cluster, const QueryRequirements& requirements);

// RESOURCE_EXHAUSTED text when the capacity exists but is busy: `busy`
// (serving, idle it would qualify) predicts too long behind its queue. Says
// when to retry and the nearest alternatives met now: a less accurate
// variant within the target, or the target the accurate ones meet now.
std::string OverloadMessage(absl::string_view scope, const std::vector<Candidate>& candidates,
                            const Candidate& busy, double retry_after_ms,
                            const QueryRequirements& requirements);

// Why forms 2 and 3 chose `chosen`.
std::string ChoiceReason(absl::string_view scope, const Candidate& chosen,
                         const QueryRequirements& requirements);
// Why form 1 chose `chosen` among `candidates` (all of that one variant).
std::string NamedVariantReason(const Candidate& chosen, const std::vector<Candidate>& candidates);
// Why `to_load` should load in the background while `chosen` serves (null
// when nothing serves this query).
std::string BackgroundReason(const Candidate* chosen, const Candidate& to_load,
                             const QueryRequirements& requirements);

}  // namespace infaas::controller::internal
