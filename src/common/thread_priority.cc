#include "common/thread_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace infaas {
namespace {

// setpriority(PRIO_PROCESS, tid) addresses one thread on Linux.
id_t ThisThreadId() { return static_cast<id_t>(::syscall(SYS_gettid)); }

constexpr int kLowestNice = 19;

}  // namespace

absl::Status LowerThisThreadPriority() {
  sched_param param{};
  param.sched_priority = 0;
  // pid 0 means the calling thread for the sched_* calls on Linux.
  if (::sched_setscheduler(0, SCHED_IDLE, &param) == 0) return absl::OkStatus();
  const int idle_errno = errno;
  if (::setpriority(PRIO_PROCESS, ThisThreadId(), kLowestNice) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      "cannot lower this thread's CPU priority: SCHED_IDLE refused (", std::strerror(idle_errno),
      "), nice ", kLowestNice, " refused (", std::strerror(errno), ")"));
}

bool ThisThreadHasLowPriority() {
  if (::sched_getscheduler(0) == SCHED_IDLE) return true;
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, ThisThreadId());
  return errno == 0 && nice >= kLowestNice;
}

}  // namespace infaas
