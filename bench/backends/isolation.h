#pragma once

// The isolation check of infaas_bench_backends: do instances with different
// thread counts keep their own counts when they run at the same time?
//
// For each engine it runs, each on its own std::thread and for `seconds`:
// a 1-thread instance alone, a 2-thread instance alone, both together, and
// two 1-thread instances together. It counts the process's threads that
// were busy (at least 10% of the wall time on a CPU, from
// /proc/self/task/*/schedstat) and reports process CPU time over wall time.
// Expected busy threads: 1, 2, 3 and 2 (a busy count, not a speed: it holds
// on a machine with fewer cores than threads).
//
// Benchmark-only; call from main.

#include <filesystem>

namespace infaas::bench {

void RunIsolationCheck(const std::filesystem::path& model_dir, double seconds);

}  // namespace infaas::bench
