#pragma once

// Per-thread intra-op thread counts for libtorch.
//
// libtorch 1.13 (Debian) parallelises with OpenMP. at::set_num_threads(n)
// stores n in a process-wide default AND calls omp_set_num_threads(n), which
// in OpenMP sets the nthreads ICV of the *calling* thread only; every later
// parallel region that thread opens gets a team of n. A thread reads the
// process-wide default once, lazily, on its first parallel region — which
// would overwrite a count set earlier — so SetTorchThreadsForThisThread
// forces that lazy read first and then sets the calling thread's own count.
// Two threads may therefore run a 1-thread and a 2-thread instance at the
// same time, each with its own team.
//
// Free function; thread-safe (touches only the calling thread's state and
// an atomic default that every Run overrides for its own thread).

namespace infaas::backend::internal {

// Makes libtorch's parallel regions opened by the calling thread use
// `threads` threads. Cheap when the count is already `threads` (the usual
// case for a worker thread that serves one instance).
void SetTorchThreadsForThisThread(int threads);

// libtorch's intra-op thread count for the calling thread.
int TorchThreadsForThisThread();

}  // namespace infaas::backend::internal
