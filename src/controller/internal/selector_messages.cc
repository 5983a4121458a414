#include "controller/internal/selector_messages.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace infaas::controller::internal {
namespace {

// How far off a mistyped name may be and still be suggested.
int SuggestionDistance(absl::string_view name) {
  return std::max<int>(3, static_cast<int>(name.size()) / 3);
}

std::string TrimZeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string FormatMiB(int64_t bytes) {
  return TrimZeros(absl::StrFormat("%.1f", static_cast<double>(bytes) / (1 << 20))) + " MiB";
}

// A queue length per instance: "0.5", "12".
std::string FormatCount(double n) { return TrimZeros(absl::StrFormat("%.2f", n)); }

std::string Plural(int n, absl::string_view word) {
  return absl::StrCat(n, " ", word, n == 1 ? "" : "s");
}

const std::string& NameOf(const Candidate& c) { return c.record->config().name(); }

// The breakdown of a prediction: "load 120 ms + queued 0.4 ms + inference 1.2 ms".
std::string Breakdown(const Candidate& c) {
  std::vector<std::string> parts;
  const double call_ms = c.worker->CallOverheadMs();
  double queued_ms = c.wait_ms - call_ms;
  if (c.readiness != Readiness::kServing) {
    parts.push_back(absl::StrCat(c.readiness == Readiness::kLoading ? "load up to " : "load ",
                                 FormatMs(c.load_ms), " ms"));
    queued_ms -= c.load_ms;
  }
  if (queued_ms > 1e-9) parts.push_back(absl::StrCat("queued ", FormatMs(queued_ms), " ms"));
  parts.push_back(absl::StrCat("inference ", FormatMs(c.service_ms), " ms"));
  if (call_ms > 0) parts.push_back(absl::StrCat("call ", FormatMs(call_ms), " ms"));
  return absl::StrJoin(parts, " + ");
}

// "lenet5" when `variant` starts with a known architecture and '_'; else
// the closest known architecture to its first word; else "ARCH".
std::string ArchitectureHint(absl::string_view variant, const Catalogue& catalogue) {
  std::string best;
  std::vector<std::string> architectures;
  for (const v1::VariantRecord& r : catalogue.variants) {
    const std::string& arch = r.config().architecture();
    architectures.push_back(arch);
    if (absl::StartsWith(variant, arch + "_") && arch.size() > best.size()) best = arch;
  }
  if (!best.empty()) return best;
  absl::string_view first_word = variant.substr(0, variant.find('_'));
  std::vector<std::string> close =
      ClosestNames(first_word, architectures, 1, SuggestionDistance(first_word) - 1);
  return close.empty() ? "ARCH" : close.front();
}

// Ordered lists end with "(N more)" when cut at `limit`.
std::string ListWithMore(const std::vector<std::string>& items, size_t total) {
  std::string text = absl::StrJoin(items, ", ");
  if (total > items.size()) absl::StrAppend(&text, " (", total - items.size(), " more)");
  return text;
}

// One record's figures at the query's batch, for the trade-off messages.
struct Figure {
  const v1::VariantRecord* record;
  double ms;
  double accuracy;
};

// The first figure by `less` among those passing `keep`, or nullptr.
template <typename Keep, typename Less>
const Figure* BestFigure(const std::vector<Figure>& figures, Keep keep, Less less) {
  const Figure* best = nullptr;
  for (const Figure& f : figures) {
    if (keep(f) && (best == nullptr || less(f, *best))) best = &f;
  }
  return best;
}

bool Faster(const Figure& a, const Figure& b) {
  return std::make_tuple(a.ms, -a.accuracy, a.record->config().name()) <
         std::make_tuple(b.ms, -b.accuracy, b.record->config().name());
}

bool MoreAccurate(const Figure& a, const Figure& b) {
  return std::make_tuple(-a.accuracy, a.ms, a.record->config().name()) <
         std::make_tuple(-b.accuracy, b.ms, b.record->config().name());
}

}  // namespace

std::string FormatMs(double ms) {
  if (std::isinf(ms)) return "unmeasured";
  if (ms > 0 && ms < 0.01) return absl::StrFormat("%.2g", ms);
  return TrimZeros(absl::StrFormat("%.2f", ms));
}

std::string FormatPercent(double percent) {
  // Two decimals: one would print a required 99.99% as "100%".
  return TrimZeros(absl::StrFormat("%.2f", percent)) + "%";
}

std::string FormatDims(const std::vector<int64_t>& dims, bool brackets) {
  std::string joined = absl::StrJoin(dims, ",");
  return brackets ? absl::StrCat("[", joined, "]") : joined;
}

int EditDistance(absl::string_view a, absl::string_view b) {
  // Two rows of the classic dynamic programme: previous[j] is the distance
  // between a[0..i) and b[0..j).
  std::vector<int> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::vector<std::string> ClosestNames(absl::string_view target, std::vector<std::string> names,
                                      int limit, int max_distance) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<std::pair<int, std::string>> scored;
  for (std::string& name : names) {
    // A name that contains what was typed ("resnet" in "resnet_mini_...")
    // is as good a guess as a one-letter typo.
    int distance =
        !target.empty() && absl::StrContains(name, target) ? 1 : EditDistance(target, name);
    if (distance <= max_distance) scored.emplace_back(distance, std::move(name));
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> closest;
  for (auto& [distance, name] : scored) {
    if (static_cast<int>(closest.size()) >= limit) break;
    closest.push_back(std::move(name));
  }
  return closest;
}

absl::Status UnknownVariantError(absl::string_view variant, const Catalogue& catalogue, int limit) {
  if (catalogue.variants.empty()) {
    return absl::NotFoundError(
        absl::StrFormat("unknown variant \"%s\": the catalogue is empty; register a model with: "
                        "infaas profile CONFIG",
                        variant));
  }
  std::vector<std::string> names;
  for (const v1::VariantRecord& r : catalogue.variants) names.push_back(r.config().name());
  std::vector<std::string> similar =
      ClosestNames(variant, names, limit, SuggestionDistance(variant));
  std::string message = absl::StrFormat("unknown variant \"%s\"", variant);
  if (!similar.empty()) absl::StrAppend(&message, "; similar: ", absl::StrJoin(similar, ", "));
  absl::StrAppend(&message, "; list an architecture's variants with: infaas modinfo ",
                  ArchitectureHint(variant, catalogue));
  return absl::NotFoundError(message);
}

absl::Status UnknownArchitectureError(absl::string_view architecture, const Catalogue& catalogue,
                                      int limit) {
  std::map<std::string, std::string> family_of;  // architecture -> "task/dataset"
  for (const v1::VariantRecord& r : catalogue.variants) {
    family_of[r.config().architecture()] = r.config().task() + "/" + r.config().dataset();
  }
  std::vector<std::string> names;
  for (const auto& [name, family] : family_of) names.push_back(name);
  std::vector<std::string> listed;
  for (const std::string& name : ClosestNames(architecture, names, limit, 1 << 20)) {
    listed.push_back(absl::StrCat(name, " (", family_of[name], ")"));
  }
  std::string message = absl::StrFormat("unknown architecture \"%s\"", architecture);
  if (listed.empty()) {
    absl::StrAppend(&message,
                    ": the catalogue is empty; register a model with: "
                    "infaas profile CONFIG");
  } else {
    absl::StrAppend(&message, "; registered: ", ListWithMore(listed, names.size()),
                    "; list a family's architectures with: infaas modarch TASK DATASET");
  }
  return absl::NotFoundError(message);
}

absl::Status UnknownFamilyError(absl::string_view task, absl::string_view dataset,
                                const Catalogue& catalogue, int limit) {
  std::set<std::string> families;
  for (const v1::VariantRecord& r : catalogue.variants) {
    families.insert(r.config().task() + "/" + r.config().dataset());
  }
  std::string message =
      absl::StrFormat("no models registered for task \"%s\" and dataset \"%s\"", task, dataset);
  if (families.empty()) {
    absl::StrAppend(&message,
                    ": the catalogue is empty; register a model with: "
                    "infaas profile CONFIG");
  } else {
    std::vector<std::string> listed =
        ClosestNames(absl::StrCat(task, "/", dataset),
                     std::vector<std::string>(families.begin(), families.end()), limit, 1 << 20);
    absl::StrAppend(
        &message, "; registered families (task/dataset): ", ListWithMore(listed, families.size()));
  }
  return absl::NotFoundError(message);
}

absl::Status NoLiveWorkersError() {
  return absl::UnavailableError(
      "no live workers; start one with infaas up (single machine) or infaas-worker");
}

std::string NoRoomText(const v1::VariantRecord& record, const ClusterSnapshot& cluster) {
  const WorkerSnapshot* roomiest = nullptr;
  for (const WorkerSnapshot& w : cluster.workers) {
    if (w.Find(record.config().name()) != nullptr) continue;
    if (roomiest == nullptr || w.free_memory_bytes > roomiest->free_memory_bytes) roomiest = &w;
  }
  if (roomiest == nullptr) return "every worker already holds it";
  return absl::StrFormat(
      "no worker can load it: it needs %s free and the most any worker has is "
      "%s (%s)",
      FormatMiB(record.profile().peak_memory_bytes()), FormatMiB(roomiest->free_memory_bytes),
      roomiest->id);
}

std::string RequirementText(const QueryRequirements& requirements) {
  std::string latency = absl::StrFormat("%s ms at batch %d", FormatMs(requirements.latency_slo_ms),
                                        requirements.batch_size);
  if (requirements.min_accuracy_percent <= 0) return latency;
  return absl::StrCat("accuracy >= ", FormatPercent(requirements.min_accuracy_percent), " within ",
                      latency);
}

std::string InfeasibleMessage(absl::string_view scope,
                              const std::vector<const v1::VariantRecord*>& records,
                              const QueryRequirements& requirements) {
  std::vector<Figure> figures;
  for (const v1::VariantRecord* r : records) {
    figures.push_back({r, PredictLatencyMs(r->profile(), requirements.batch_size),
                       r->profile().accuracy_percent()});
  }
  auto all = [](const Figure&) { return true; };
  auto accurate = [&](const Figure& f) { return f.accuracy >= requirements.min_accuracy_percent; };
  auto in_time = [&](const Figure& f) { return f.ms <= requirements.latency_slo_ms; };
  const double slo = requirements.latency_slo_ms;
  std::string message = absl::StrFormat("no %s meets %s: ", scope, RequirementText(requirements));
  if (requirements.min_accuracy_percent <= 0) {
    const Figure* f = BestFigure(figures, all, Faster);
    return absl::StrFormat("%sthe fastest, %s, predicts %s ms", message, f->record->config().name(),
                           FormatMs(f->ms));
  }
  // Two ways out: relax the SLO (keep the accuracy) or the accuracy (keep
  // the SLO); when one axis has nothing, name the extreme on it.
  if (const Figure* f = BestFigure(figures, accurate, Faster); f != nullptr) {
    absl::StrAppendFormat(&message, "the fastest with accuracy >= %s is %s (%s ms)",
                          FormatPercent(requirements.min_accuracy_percent),
                          f->record->config().name(), FormatMs(f->ms));
  } else {
    f = BestFigure(figures, all, MoreAccurate);
    absl::StrAppendFormat(&message, "the most accurate is %s (%s, %s ms)",
                          f->record->config().name(), FormatPercent(f->accuracy), FormatMs(f->ms));
  }
  if (const Figure* f = BestFigure(figures, in_time, MoreAccurate); f != nullptr) {
    absl::StrAppendFormat(&message, "; the most accurate within %s ms is %s (%s)", FormatMs(slo),
                          f->record->config().name(), FormatPercent(f->accuracy));
  } else {
    f = BestFigure(figures, all, Faster);
    absl::StrAppendFormat(&message, "; the fastest is %s (%s ms, %s)", f->record->config().name(),
                          FormatMs(f->ms), FormatPercent(f->accuracy));
  }
  return message;
}

namespace {

// The option NotNowMessage names when nothing loads for the query: of
// those warm or loading that would qualify when idle, the one that
// predicts least; null when none.
const Candidate* SoonestBusy(const std::vector<Candidate>& candidates,
                             const QueryRequirements& requirements) {
  const Candidate* busy = nullptr;
  for (const Candidate& c : candidates) {
    if (c.readiness == Readiness::kCold || !QualifiesWhenIdle(*c.record, requirements)) continue;
    if (busy == nullptr || c.predicted_ms < busy->predicted_ms) busy = &c;
  }
  return busy;
}

}  // namespace

double NotNowRetryAfterMs(const std::vector<Candidate>& candidates, const Candidate* to_load,
                          const QueryRequirements& requirements) {
  if (to_load != nullptr) return std::max(to_load->load_ms, 1.0);
  const Candidate* busy = SoonestBusy(candidates, requirements);
  if (busy == nullptr) return 0;
  return UntilInTimeMs(*busy, requirements);
}

std::string NotNowMessage(absl::string_view scope,
                          const std::vector<const v1::VariantRecord*>& records,
                          const std::vector<Candidate>& candidates, const Candidate* to_load,
                          const ClusterSnapshot& cluster, const QueryRequirements& requirements) {
  std::string message =
      absl::StrFormat("no %s meets %s right now: ", scope, RequirementText(requirements));
  if (to_load != nullptr) {
    double load_ms = to_load->load_ms;
    return absl::StrFormat(
        "%s%s would take %s ms warm but needs a %s ms load on %s, which does not fit; it is "
        "loading in the background: retry in about %s ms",
        message, NameOf(*to_load), FormatMs(to_load->service_ms), FormatMs(load_ms),
        to_load->worker->id, FormatMs(load_ms));
  }
  const Candidate* busy = SoonestBusy(candidates, requirements);
  if (busy != nullptr && busy->readiness == Readiness::kLoading) {
    return absl::StrFormat("%s%s is still loading on %s (predicts up to %s ms); retry shortly",
                           message, NameOf(*busy), busy->worker->id, FormatMs(busy->predicted_ms));
  }
  if (busy != nullptr) {
    return absl::StrFormat(
        "%s%s on %s would take %s ms but has %d queued ahead (predicts %s ms); retry shortly",
        message, NameOf(*busy), busy->worker->id, FormatMs(busy->service_ms), busy->queue_length,
        FormatMs(busy->predicted_ms));
  }
  const v1::VariantRecord* cheapest = nullptr;
  double cheapest_cost = 0;
  for (const v1::VariantRecord* r : records) {
    if (!QualifiesWhenIdle(*r, requirements)) continue;
    double cost = CpuThreads(*r) * PredictLatencyMs(r->profile(), requirements.batch_size);
    if (cheapest == nullptr || cost < cheapest_cost) {
      cheapest = r;
      cheapest_cost = cost;
    }
  }
  if (cheapest == nullptr) return message + "retry shortly";
  return absl::StrFormat("%s%s would take %s ms warm, but %s; unload a variant or add a worker",
                         message, cheapest->config().name(),
                         FormatMs(PredictLatencyMs(cheapest->profile(), requirements.batch_size)),
                         NoRoomText(*cheapest, cluster));
}

std::string OverloadMessage(absl::string_view scope, const std::vector<Candidate>& candidates,
                            const Candidate& busy, double retry_after_ms,
                            const QueryRequirements& requirements) {
  std::string message = absl::StrFormat(
      "no %s meets %s right now: %s on %s takes %s ms there now with %d inputs queued ahead "
      "(predicts %s ms); refused at once, retry in about %s ms",
      scope, RequirementText(requirements), NameOf(busy), busy.worker->id,
      FormatMs(busy.service_ms), busy.queue_length, FormatMs(busy.predicted_ms),
      FormatMs(retry_after_ms));
  // Met now with less accuracy: the most accurate such option.
  const Candidate* less_accurate = nullptr;
  // Meeting the accuracy now, with a looser target: the fastest such option.
  const Candidate* slower = nullptr;
  for (const Candidate& c : candidates) {
    if (c.readiness != Readiness::kServing) continue;
    const double accuracy = c.record->profile().accuracy_percent();
    if (accuracy >= requirements.min_accuracy_percent) {
      if (slower == nullptr || c.predicted_ms < slower->predicted_ms) slower = &c;
    } else if (c.predicted_ms <= requirements.latency_slo_ms) {
      if (less_accurate == nullptr ||
          accuracy > less_accurate->record->profile().accuracy_percent()) {
        less_accurate = &c;
      }
    }
  }
  if (less_accurate != nullptr) {
    absl::StrAppendFormat(&message, "; met now with less accuracy: %s (%s) in %s ms",
                          NameOf(*less_accurate),
                          FormatPercent(less_accurate->record->profile().accuracy_percent()),
                          FormatMs(less_accurate->predicted_ms));
  }
  if (slower != nullptr) {
    absl::StrAppendFormat(&message, "; met now with a latency target of %s ms (%s)",
                          FormatMs(std::ceil(slower->predicted_ms)), NameOf(*slower));
  }
  return message;
}

std::string ChoiceReason(absl::string_view scope, const Candidate& chosen,
                         const QueryRequirements& requirements) {
  std::string why;
  if (chosen.readiness == Readiness::kCold) {
    why = absl::StrFormat("no loaded %s qualifies; the cheapest that fits with its load", scope);
  } else if (chosen.readiness == Readiness::kLoading) {
    why = absl::StrFormat("no loaded %s qualifies; the cheapest whose load in flight fits", scope);
  } else if (chosen.overloaded) {
    why = absl::StrFormat("only overloaded instances qualify; this one has %s queued per instance",
                          FormatCount(chosen.queue_per_instance));
  } else {
    why = absl::StrFormat("the cheapest loaded %s that qualifies", scope);
  }
  std::string reason = absl::StrFormat(
      "%s on %s: %s, at %s x %s ms; predicts %s ms (%s) within %s ms", NameOf(chosen),
      chosen.worker->id, why, Plural(CpuThreads(*chosen.record), "core"),
      FormatMs(chosen.service_ms), FormatMs(chosen.predicted_ms), Breakdown(chosen),
      FormatMs(requirements.latency_slo_ms));
  if (requirements.min_accuracy_percent > 0) {
    absl::StrAppend(&reason, ", accuracy ",
                    FormatPercent(chosen.record->profile().accuracy_percent()),
                    " >= ", FormatPercent(requirements.min_accuracy_percent));
  }
  return reason;
}

std::string NamedVariantReason(const Candidate& chosen, const std::vector<Candidate>& candidates) {
  std::string head = absl::StrCat(NameOf(chosen), " as requested");
  std::string prediction =
      absl::StrFormat("predicts %s ms (%s)", FormatMs(chosen.predicted_ms), Breakdown(chosen));
  if (chosen.readiness == Readiness::kServing) {
    int serving = static_cast<int>(
        std::count_if(candidates.begin(), candidates.end(),
                      [](const Candidate& c) { return c.readiness == Readiness::kServing; }));
    std::string among = serving == 1
                            ? "the only worker serving it"
                            : absl::StrCat("the least loaded of ", serving, " workers serving it");
    return absl::StrFormat("%s, on %s: %s (%s queued per instance); %s", head, chosen.worker->id,
                           among, FormatCount(chosen.queue_per_instance), prediction);
  }
  if (chosen.readiness == Readiness::kLoading) {
    return absl::StrFormat("%s, on %s, where its load is in flight; %s", head, chosen.worker->id,
                           prediction);
  }
  return absl::StrFormat("%s; loaded nowhere, so it loads on %s (%s free); %s", head,
                         chosen.worker->id, FormatMiB(chosen.worker->free_memory_bytes),
                         prediction);
}

std::string BackgroundReason(const Candidate* chosen, const Candidate& to_load,
                             const QueryRequirements& requirements) {
  const std::string& name = NameOf(to_load);
  double load_ms = to_load.load_ms;
  if (chosen == nullptr) {
    return absl::StrFormat(
        "%s would meet %s ms warm (%s ms) but its %s ms load does not fit this query; loading "
        "it on %s for the next ones",
        name, FormatMs(requirements.latency_slo_ms), FormatMs(to_load.service_ms),
        FormatMs(load_ms), to_load.worker->id);
  }
  if (chosen->overloaded) {
    return absl::StrFormat(
        "%s on %s is overloaded (%s queued per instance); %s on %s adds capacity (%s ms warm)",
        NameOf(*chosen), chosen->worker->id, FormatCount(chosen->queue_per_instance), name,
        to_load.worker->id, FormatMs(to_load.service_ms));
  }
  return absl::StrFormat(
      "%s costs %s core-ms per query vs %s for %s, which serves now; loading it on %s (%s ms) "
      "off the request path",
      name, FormatMs(to_load.cost), FormatMs(chosen->cost), NameOf(*chosen), to_load.worker->id,
      FormatMs(load_ms));
}

}  // namespace infaas::controller::internal
