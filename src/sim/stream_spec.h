#pragma once

// The text form of a stream of simulated queries, as infaas-sim's --stream
// takes it: comma-separated key=value pairs naming the query form (the
// flags of infaas_online_query) and the arrival schedule.
//
//   a=lenet5,slo=20,rate=200qps:60s,800qps:30s
//   t=classification,D=fashion-mnist,A=90,slo=50,batch=4,rate=100qps:2m
//   v=lenet5_onnx_cpu1_b8,name=pinned,rate=50qps:10s
//   a=vgg_mini,slo=100,cv=4,amp=0.8,diurnal=400qps:24h:24h
//   a=lenet5,slo=20,trace=day.csv          (lines "SECONDS,NAME"; this stream's name is lenet5)
//
// Keys: v|variant, a|arch, t|task, D|dataset, A|accuracy, slo (ms), batch,
// name; cv (gaps' coefficient of variation: 1 Poisson, more bursty); the
// arrivals: rate takes the rest of the text (a loadgen schedule, commas and
// all), or diurnal=MEANqps:PERIOD:LENGTH a day's rhythm around the mean
// (amp, default 0.5: trough mean x (1 - amp) at the start), or
// trace=PATH a multi-model trace file (loadgen::ParseNamedTrace), read by
// ResolveTraces. ParseStream is pure; thread-safe.

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sim/simulation.h"

namespace infaas::sim {

// InvalidArgument naming the part that does not parse and the form.
absl::StatusOr<Stream> ParseStream(absl::string_view text);

// Reads the file of each stream with a trace_path (each file once, at most
// 100 million arrivals a file): the stream plays the file's lines that
// carry its name, or every line when the file names no stream.
// InvalidArgument naming the file when it does not parse, or when it names
// streams but not this one (with the names it has).
absl::Status ResolveTraces(std::vector<Stream>* streams);

}  // namespace infaas::sim
