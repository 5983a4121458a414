#include "backend/internal/torch_threads.h"

#include <ATen/Parallel.h>

namespace infaas::backend::internal {

void SetTorchThreadsForThisThread(int threads) {
  // get_num_threads() runs the thread's one-time lazy initialisation from the
  // process-wide default, so it cannot later undo the count we set. Setting
  // only on a change also keeps oneDNN's per-thread primitive cache, which
  // at::set_num_threads clears.
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

int TorchThreadsForThisThread() { return at::get_num_threads(); }

}  // namespace infaas::backend::internal
