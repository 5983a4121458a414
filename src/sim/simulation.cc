#include "sim/simulation.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace infaas::sim {

absl::StatusOr<SimulationResult> RunSimulation(
    std::shared_ptr<const controller::Catalogue> catalogue, const SimulationOptions& options) {
  if (options.streams.empty()) {
    return absl::InvalidArgumentError("a simulation needs at least one stream of queries");
  }
  EventLoop loop;
  SimMaster::Options master_options = options.master;
  master_options.worker.seed = options.seed;
  absl::StatusOr<std::unique_ptr<SimMaster>> master =
      SimMaster::Create(&loop, std::move(catalogue), master_options);
  if (!master.ok()) return master.status();
  (*master)->Start(options.workers);
  const absl::Duration warmup = options.warmup.has_value()
                                    ? loadgen::TotalDuration(options.warmup->schedule)
                                    : absl::ZeroDuration();
  // The streams' time 0.
  const absl::Time start = loop.now() + warmup;

  SimulationResult result;
  // One recorder over every stream, judged by each query's own SLO: its
  // SLO is 0 and a query counts as attained by its stream's recorder only.
  loadgen::LoadRecorder all(options.interval, 0);
  struct Source {
    const Stream* stream;
    bool measured;
    absl::Time zero;
    loadgen::ArrivalSource arrivals;
    size_t next_in_trace = 0;
    std::unique_ptr<loadgen::LoadRecorder> recorder;

    std::optional<absl::Duration> Next() {
      if (!stream->trace.has_value()) return arrivals.Next();
      if (next_in_trace >= stream->trace->size()) return std::nullopt;
      return (*stream->trace)[next_in_trace++];
    }
  };
  std::vector<std::unique_ptr<Source>> sources;
  absl::Duration longest;
  int64_t answered = 0;
  // Each arrival schedules the next one of its stream.
  std::function<void(Source*)> schedule_next = [&](Source* source) {
    const std::optional<absl::Duration> at = source->Next();
    if (!at.has_value()) return;
    loop.At(source->zero + *at, [&, source, at = *at] {
      source->recorder->RecordSent(at);
      if (source->measured) {
        all.RecordSent(at);
        ++result.sent;
      }
      (*master)->Query(source->stream->requirements,
                       [&, source, at](const absl::Status& status, const QueryOutcome& outcome) {
                         source->recorder->RecordDone(at, outcome.latency, status, outcome.variant);
                         if (!source->measured) return;
                         ++answered;
                         all.RecordDone(at, outcome.latency, status, outcome.variant);
                       });
      schedule_next(source);
    });
  };
  for (size_t s = 0; s < options.streams.size(); ++s) {
    const Stream& stream = options.streams[s];
    longest = std::max(longest,
                       stream.trace.has_value()
                           ? (stream.trace->empty() ? absl::ZeroDuration()
                                                    : stream.trace->back() + absl::Nanoseconds(1))
                           : loadgen::TotalDuration(stream.schedule));
    sources.push_back(std::make_unique<Source>(Source{
        .stream = &stream,
        .measured = true,
        .zero = start,
        .arrivals = loadgen::ArrivalSource(stream.schedule, options.seed * 7919 + s, stream.cv),
        .next_in_trace = 0,
        .recorder = std::make_unique<loadgen::LoadRecorder>(options.interval,
                                                            stream.requirements.latency_slo_ms)}));
    schedule_next(sources.back().get());
  }
  if (options.warmup.has_value()) {
    sources.push_back(std::make_unique<Source>(Source{
        .stream = &*options.warmup,
        .measured = false,
        .zero = start - warmup,
        .arrivals = loadgen::ArrivalSource(options.warmup->schedule, options.seed * 104729 + 1, 1),
        .next_in_trace = 0,
        .recorder = std::make_unique<loadgen::LoadRecorder>(options.interval, 0)}));
    schedule_next(sources.back().get());
  }
  const absl::Time end = start + longest + options.drain;
  for (absl::Time t = start + options.interval; t <= end; t += options.interval) {
    loop.At(t, [&, t] {
      result.samples.push_back({.at = t - start,
                                .workers = (*master)->live_workers(),
                                .instances = (*master)->instances()});
    });
  }
  loop.RunUntil(end);

  for (size_t s = 0; s < options.streams.size(); ++s) {
    result.streams.push_back({options.streams[s].name, sources[s]->recorder->Report()});
  }
  result.total = all.Report();
  for (const TimedAction& a : (*master)->actions()) {
    result.actions.push_back({.at = a.at - start, .action = a.action});
  }
  result.worker_seconds = (*master)->worker_seconds();
  result.busy_core_seconds = (*master)->busy_core_seconds();
  result.events = loop.events_run();
  result.simulated = end - start;
  result.answered = answered;
  // Before the streams: queries still out end now, with their callbacks.
  master->reset();
  return result;
}

}  // namespace infaas::sim
