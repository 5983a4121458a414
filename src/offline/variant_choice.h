#pragma once

// Which variant an offline job runs on: the selector's choice for the job's
// requirements with a loose latency target, since a job has no tight SLO.
//
//   absl::StatusOr<std::string> variant =
//       ChooseOfflineVariant(job.requirements(), *catalogue, *cluster);
//
// The job asks for a batch of kOfflineBatch inputs so that a variant that
// batches is chosen; a variant (or architecture) without one that large is
// chosen at batch 1. Among the variants that qualify the selector takes the
// cheapest (core-milliseconds per query), preferring one already loaded.
// Pure and thread-safe.

#include <string>

#include "absl/status/statusor.h"
#include "controller/cluster_snapshot.h"
#include "controller/selector.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::offline {

// Inputs per chunk the variant should take at once.
inline constexpr int kOfflineBatch = 8;
// The latency target offline work is selected with, ms.
inline constexpr double kOfflineLatencySloMs = 60'000;

// The variant's name, or the selector's error: INVALID_ARGUMENT (no form, or
// several), NOT_FOUND (unknown names; the message lists known ones),
// FAILED_PRECONDITION (nothing meets the accuracy), UNAVAILABLE (no live
// worker yet), RESOURCE_EXHAUSTED (a named variant fits on no worker).
absl::StatusOr<std::string> ChooseOfflineVariant(const v1::OfflineRequirements& requirements,
                                                 const controller::Catalogue& catalogue,
                                                 const controller::ClusterSnapshot& cluster);

// Whether an error of ChooseOfflineVariant may clear by itself (workers
// joining or freeing memory), so a job should wait rather than fail.
bool IsTransientChoiceError(const absl::Status& status);

}  // namespace infaas::offline
