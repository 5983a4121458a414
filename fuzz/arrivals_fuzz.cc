// Fuzzes the load generator's rate schedules and traces
// (src/loadgen/arrivals): the text after the first byte is parsed as a
// schedule (even first byte) or a trace (odd), and a schedule that parses is
// turned into arrival times.
#include <cstddef>
#include <cstdint>

#include "loadgen/arrivals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    (void)infaas::loadgen::ParseTrace(text);
    return 0;
  }
  absl::StatusOr<infaas::loadgen::RateSchedule> schedule = infaas::loadgen::ParseRateSchedule(text);
  if (!schedule.ok()) return 0;
  infaas::loadgen::TotalDuration(*schedule);
  infaas::loadgen::PoissonArrivals(*schedule, /*seed=*/1);
  return 0;
}
