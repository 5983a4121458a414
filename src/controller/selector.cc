#include "controller/selector.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "controller/internal/selector_candidates.h"
#include "controller/internal/selector_messages.h"
#include "controller/internal/selector_search.h"
#include "latency/latency_model.h"

namespace infaas::controller {
namespace {

using internal::Candidate;
using internal::Readiness;

// The variants a form-2 or form-3 query chooses among.
struct Scope {
  const QueryRequirements* q = nullptr;
  std::vector<const v1::VariantRecord*> variants = {};

  // "variant of lenet5", "variant for classification/mnist": for messages,
  // built only when one is.
  std::string description() const {
    if (!q->architecture.empty()) return absl::StrCat("variant of ", q->architecture);
    return absl::StrCat("variant for ", q->task, "/", q->dataset);
  }
};

SelectorDecision Fail(absl::Status status) {
  return SelectorDecision{.selection = std::move(status), .background_load = std::nullopt};
}

absl::Status ValidateForm(const QueryRequirements& q) {
  const bool by_variant = !q.variant.empty();
  const bool by_architecture = !q.architecture.empty();
  const bool by_family = !q.task.empty() || !q.dataset.empty();
  const int forms = int{by_variant} + int{by_architecture} + int{by_family};
  if (forms == 0) {
    return absl::InvalidArgumentError(
        "a query needs a variant; or an architecture and a latency SLO; or a task, a dataset "
        "and a latency SLO (with an optional minimum accuracy)");
  }
  if (forms > 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a query names one of a variant, an architecture, or a task and dataset; got variant "
        "\"%s\", architecture \"%s\", task \"%s\", dataset \"%s\"",
        q.variant, q.architecture, q.task, q.dataset));
  }
  if (by_family && (q.task.empty() || q.dataset.empty())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a query by model family needs both a task and a dataset; got task \"%s\", dataset "
        "\"%s\"",
        q.task, q.dataset));
  }
  if (!by_variant && !(q.latency_slo_ms > 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("a query by %s needs a latency SLO in ms (> 0)",
                        by_architecture ? "architecture" : "task and dataset"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequirements(const QueryRequirements& q) {
  if (q.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("batch size %d: a query carries at least one input", q.batch_size));
  }
  if (!(q.latency_slo_ms >= 0) || std::isinf(q.latency_slo_ms)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "latency SLO %g ms: must be a finite number >= 0 (0 means none)", q.latency_slo_ms));
  }
  if (!(q.min_accuracy_percent >= 0 && q.min_accuracy_percent <= 100)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "minimum accuracy %g%%: must be between 0 and 100", q.min_accuracy_percent));
  }
  return ValidateForm(q);
}

std::vector<int64_t> DeclaredDims(const v1::VariantRecord& record) {
  const auto& dims = record.config().input().dims();
  return std::vector<int64_t>(dims.begin(), dims.end());
}

// Form 1: the batch and the -d dims against the named variant.
absl::Status CheckNamedVariantFits(const v1::VariantRecord& record, const QueryRequirements& q) {
  const std::string& name = record.config().name();
  if (q.batch_size > internal::MaxBatch(record)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "batch %d exceeds the max batch %d of variant %s; split the query or pick a variant "
        "with a larger max batch (infaas modinfo %s)",
        q.batch_size, internal::MaxBatch(record), name, record.config().architecture()));
  }
  if (!internal::InputMatches(record, q.input_dims)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("-d %s does not match the input %s of variant %s",
                        internal::FormatDims(q.input_dims, false),
                        internal::FormatDims(DeclaredDims(record), true), name));
  }
  return absl::OkStatus();
}

absl::StatusOr<Scope> ResolveScope(const QueryRequirements& q, const Catalogue& catalogue,
                                   const SelectorOptions& options) {
  Scope scope{.q = &q};
  const bool by_architecture = !q.architecture.empty();
  const std::vector<uint32_t>* indexed = by_architecture
                                             ? catalogue.IndexedArchitecture(q.architecture)
                                             : catalogue.IndexedFamily(q.task, q.dataset);
  if (indexed != nullptr) {
    for (uint32_t i : *indexed) scope.variants.push_back(&catalogue.variants[i]);
  } else {
    for (const v1::VariantRecord& r : catalogue.variants) {
      const v1::ModelConfig& c = r.config();
      if (by_architecture ? c.architecture() == q.architecture
                          : c.task() == q.task && c.dataset() == q.dataset) {
        scope.variants.push_back(&r);
      }
    }
  }
  if (!scope.variants.empty()) return scope;
  if (by_architecture) {
    return internal::UnknownArchitectureError(q.architecture, catalogue,
                                              options.max_names_in_errors);
  }
  return internal::UnknownFamilyError(q.task, q.dataset, catalogue, options.max_names_in_errors);
}

// The scope's variants that can take this query at all: matching input,
// large enough max batch, a measured latency. Errors when none is left.
absl::StatusOr<std::vector<const v1::VariantRecord*>> FilterByInput(const Scope& scope,
                                                                    const QueryRequirements& q) {
  std::vector<const v1::VariantRecord*> usable;
  usable.reserve(scope.variants.size());
  for (const v1::VariantRecord* r : scope.variants) {
    if (internal::InputMatches(*r, q.input_dims) && q.batch_size <= internal::MaxBatch(*r) &&
        std::isfinite(PredictLatencyMs(r->profile(), q.batch_size))) {
      usable.push_back(r);
    }
  }
  if (!usable.empty()) return usable;
  // None: say which test left none, in the order they apply.
  std::vector<const v1::VariantRecord*> shaped, batched;
  int largest_batch = 0;
  for (const v1::VariantRecord* r : scope.variants) {
    if (internal::InputMatches(*r, q.input_dims)) shaped.push_back(r);
  }
  for (const v1::VariantRecord* r : shaped) {
    largest_batch = std::max(largest_batch, internal::MaxBatch(*r));
    if (q.batch_size <= internal::MaxBatch(*r)) batched.push_back(r);
  }
  if (shaped.empty()) {
    std::set<std::string> inputs;
    for (const v1::VariantRecord* r : scope.variants) {
      inputs.insert(internal::FormatDims(DeclaredDims(*r), true));
    }
    return absl::InvalidArgumentError(absl::StrFormat(
        "-d %s does not match the input of any %s: %s", internal::FormatDims(q.input_dims, false),
        scope.description(), absl::StrJoin(inputs, ", ")));
  }
  if (batched.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "batch %d exceeds the max batch of every %s (the largest is %d); split the query",
        q.batch_size, scope.description(), largest_batch));
  }
  return absl::FailedPreconditionError(
      absl::StrFormat("no %s has a measured latency; register it again with: infaas profile CONFIG",
                      scope.description()));
}

Selection MakeSelection(const Candidate& c, std::string reason) {
  Selection s;
  s.variant = c.record->config().name();
  s.worker_id = c.worker->id;
  s.worker_address = c.worker->address;
  s.needs_load = c.readiness == Readiness::kCold;
  s.wait_for_load = c.readiness == Readiness::kLoading;
  s.predicted_latency_ms = c.predicted_ms;
  s.accuracy_percent = c.record->profile().accuracy_percent();
  s.call_overhead_ms = c.worker->CallOverheadMs();
  s.call_overhead_p90_ms = c.worker->CallOverheadP90Ms();
  if (const LoadedVariant* loaded = c.worker->Find(s.variant)) {
    s.instances = loaded->instances;
    s.marks = loaded->marks;
  }
  s.reason = std::move(reason);
  return s;
}

LoadRecommendation MakeRecommendation(const Candidate& c, std::string reason) {
  LoadRecommendation r;
  r.variant = c.record->config().name();
  r.worker_id = c.worker->id;
  r.worker_address = c.worker->address;
  r.load_latency_ms = c.load_ms;
  r.reason = std::move(reason);
  return r;
}

SelectorDecision SelectNamedVariant(const QueryRequirements& q, const Catalogue& catalogue,
                                    const ClusterSnapshot& cluster,
                                    const SelectorOptions& options) {
  const v1::VariantRecord* record = catalogue.Find(q.variant);
  if (record == nullptr) {
    return Fail(internal::UnknownVariantError(q.variant, catalogue, options.max_names_in_errors));
  }
  if (absl::Status fits = CheckNamedVariantFits(*record, q); !fits.ok()) return Fail(fits);
  if (cluster.workers.empty()) return Fail(internal::NoLiveWorkersError());
  std::vector<Candidate> candidates =
      internal::BuildCandidates({record}, cluster, q.batch_size, options);
  const Candidate* chosen = internal::BestForNamedVariant(candidates);
  if (chosen == nullptr) {
    return Fail(absl::ResourceExhaustedError(
        absl::StrFormat("variant %s is loaded nowhere and %s; unload a variant or add a worker",
                        q.variant, internal::NoRoomText(*record, cluster))));
  }
  SelectorDecision decision;
  decision.selection = MakeSelection(
      *chosen, options.explain ? internal::NamedVariantReason(*chosen, candidates) : "");
  if (chosen->overloaded) {
    // Another instance on a fresh worker, if one has room.
    for (const Candidate& c : candidates) {
      if (c.readiness == Readiness::kCold) {
        decision.background_load = MakeRecommendation(c, internal::BackgroundReason(chosen, c, q));
      }
    }
  }
  return decision;
}

// The decision for a query that has a place: `chosen`, with `to_load` in
// the background when that is worth it.
SelectorDecision Chosen(const Candidate& chosen, const Candidate* to_load, const Scope& scope,
                        const SelectorOptions& options) {
  const QueryRequirements& q = *scope.q;
  SelectorDecision decision;
  decision.selection = MakeSelection(
      chosen, options.explain ? internal::ChoiceReason(scope.description(), chosen, q) : "");
  if (to_load != nullptr && internal::WorthLoadingInBackground(chosen, *to_load, options)) {
    decision.background_load =
        MakeRecommendation(*to_load, internal::BackgroundReason(&chosen, *to_load, q));
  }
  return decision;
}

SelectorDecision SelectByRequirements(const QueryRequirements& q, const Catalogue& catalogue,
                                      const ClusterSnapshot& cluster,
                                      const SelectorOptions& options) {
  // At a steady state, a serving option qualifies: found cheapest first.
  if (std::optional<internal::ServingChoice> found =
          internal::SearchServing(q, catalogue, cluster, options)) {
    return Chosen(found->chosen, found->to_load ? &*found->to_load : nullptr, Scope{.q = &q},
                  options);
  }
  absl::StatusOr<Scope> scope = ResolveScope(q, catalogue, options);
  if (!scope.ok()) return Fail(scope.status());
  absl::StatusOr<std::vector<const v1::VariantRecord*>> records = FilterByInput(*scope, q);
  if (!records.ok()) return Fail(records.status());
  if (cluster.workers.empty()) return Fail(internal::NoLiveWorkersError());

  // Every option, for the messages below; and what may be picked.
  const std::vector<Candidate> all =
      internal::BuildCandidates(*records, cluster, q.batch_size, options);
  const std::vector<Candidate> candidates = internal::Pickable(all, q);
  const Candidate* chosen = internal::BestQualifying(candidates, q);
  const Candidate* to_load = internal::BestToLoad(candidates, q);
  if (chosen != nullptr) return Chosen(*chosen, to_load, *scope, options);
  SelectorDecision decision;
  // Nothing qualifies now. If something would when warm and idle, the
  // shortfall is transient (busy, loading, not loaded): UNAVAILABLE, and the
  // best such variant starts loading. Otherwise the catalogue cannot meet
  // the requirements at all: FAILED_PRECONDITION with the trade-offs.
  const bool feasible = std::any_of(records->begin(), records->end(), [&q](const auto* r) {
    return internal::QualifiesWhenIdle(*r, q);
  });
  if (!feasible) {
    return Fail(absl::FailedPreconditionError(
        internal::InfeasibleMessage(scope->description(), *records, q)));
  }
  if (to_load != nullptr) {
    decision.background_load =
        MakeRecommendation(*to_load, internal::BackgroundReason(nullptr, *to_load, q));
  }
  // Admission control: the capacity exists but is busy. Refused at once,
  // never queued behind work that would make it late.
  if (const Candidate* busy = internal::BestBusy(candidates, q); busy != nullptr) {
    decision.retry_after_ms = internal::UntilInTimeMs(*busy, q);
    decision.selection = absl::ResourceExhaustedError(
        internal::OverloadMessage(scope->description(), all, *busy, decision.retry_after_ms, q));
    return decision;
  }
  // `to_load` points into `candidates`, which stay.
  decision.selection = absl::UnavailableError(
      internal::NotNowMessage(scope->description(), *records, all, to_load, cluster, q));
  decision.retry_after_ms = internal::NotNowRetryAfterMs(all, to_load, q);
  return decision;
}

}  // namespace

namespace {

std::string FamilyKey(absl::string_view task, absl::string_view dataset) {
  return absl::StrCat(task, "\n", dataset);
}

const std::vector<uint32_t>& NoPositions() {
  static const auto* const kNone = new std::vector<uint32_t>();
  return *kNone;
}

// Orders each scope's positions by cost at every indexed batch size.
void OrderByCost(const std::vector<v1::VariantRecord>& variants, Catalogue::Scope* scope) {
  int largest = 0;
  for (uint32_t i : scope->positions) largest = std::max(largest, internal::MaxBatch(variants[i]));
  scope->by_cost.resize(static_cast<size_t>(std::min(largest, Catalogue::kCostOrderBatches)));
  std::vector<std::pair<double, uint32_t>> costed;
  for (int batch = 1; batch <= static_cast<int>(scope->by_cost.size()); ++batch) {
    costed.clear();
    for (uint32_t i : scope->positions) {
      if (internal::MaxBatch(variants[i]) < batch) continue;
      const double cost = internal::ProfileCost(variants[i], batch);
      if (std::isfinite(cost)) costed.emplace_back(cost, i);  // sortable: no NaN
    }
    std::sort(costed.begin(), costed.end());
    std::vector<uint32_t>& order = scope->by_cost[static_cast<size_t>(batch - 1)];
    order.reserve(costed.size());
    for (const auto& [cost, i] : costed) order.push_back(i);
  }
}

}  // namespace

void Catalogue::BuildIndex() {
  by_name.clear();
  by_architecture.clear();
  by_family.clear();
  for (uint32_t i = 0; i < variants.size(); ++i) {
    const v1::ModelConfig& c = variants[i].config();
    by_name.try_emplace(c.name(), i);  // the first of a name, as a scan finds it
    by_architecture[c.architecture()].positions.push_back(i);
    by_family[FamilyKey(c.task(), c.dataset())].positions.push_back(i);
  }
  for (auto& [architecture, scope] : by_architecture) OrderByCost(variants, &scope);
  for (auto& [family, scope] : by_family) OrderByCost(variants, &scope);
  indexed_size = variants.size();
}

const v1::VariantRecord* Catalogue::Find(absl::string_view name) const {
  if (Indexed()) {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &variants[it->second];
  }
  for (const v1::VariantRecord& r : variants) {
    if (r.config().name() == name) return &r;
  }
  return nullptr;
}

const std::vector<uint32_t>* Catalogue::IndexedArchitecture(absl::string_view architecture) const {
  if (!Indexed()) return nullptr;
  auto it = by_architecture.find(architecture);
  return it == by_architecture.end() ? &NoPositions() : &it->second.positions;
}

const std::vector<uint32_t>* Catalogue::IndexedFamily(absl::string_view task,
                                                      absl::string_view dataset) const {
  if (!Indexed()) return nullptr;
  auto it = by_family.find(FamilyKey(task, dataset));
  return it == by_family.end() ? &NoPositions() : &it->second.positions;
}

const std::vector<uint32_t>* Catalogue::ByCost(const QueryRequirements& requirements,
                                               int batch) const {
  if (!Indexed() || !requirements.variant.empty() || batch < 1 || batch > kCostOrderBatches) {
    return nullptr;
  }
  const Scope* scope = nullptr;
  if (!requirements.architecture.empty()) {
    auto it = by_architecture.find(requirements.architecture);
    if (it != by_architecture.end()) scope = &it->second;
  } else {
    auto it = by_family.find(FamilyKey(requirements.task, requirements.dataset));
    if (it != by_family.end()) scope = &it->second;
  }
  if (scope == nullptr || static_cast<size_t>(batch) > scope->by_cost.size()) {
    return &NoPositions();
  }
  return &scope->by_cost[static_cast<size_t>(batch - 1)];
}

SelectorDecision SelectVariant(const QueryRequirements& requirements, const Catalogue& catalogue,
                               const ClusterSnapshot& cluster, const SelectorOptions& options) {
  if (absl::Status valid = ValidateRequirements(requirements); !valid.ok()) return Fail(valid);
  if (!requirements.variant.empty()) {
    return SelectNamedVariant(requirements, catalogue, cluster, options);
  }
  return SelectByRequirements(requirements, catalogue, cluster, options);
}

double PredictLatencyMs(const v1::VariantProfile& profile, int batch) {
  return latency::ProfileMedianMs(profile, batch);
}

}  // namespace infaas::controller
