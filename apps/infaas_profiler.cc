// infaas-profiler: measures one instance of a model being registered, for
// the master (profiler/child_profiler.h); not meant to be run by hand.
//
// Reads a serialized infaas.v1.ProfileJob from stdin to end of file and
// writes a serialized infaas.v1.ProfileJobResult to stdout. The master
// sets its time and memory limits; it dies with the master.

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

#include "common/logging.h"
#include "profiler/profile_job.h"

int main(int argc, char** argv) {
  if (argc > 1 || ::isatty(0)) {
    const bool help =
        argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0);
    std::fprintf(help ? stdout : stderr,
                 "infaas-profiler: measures one model instance for infaas-master, which starts "
                 "it with a job on stdin; it takes no arguments.\n");
    return help ? 0 : 2;
  }
  const pid_t parent = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) return 1;  // the parent died before the line above
  infaas::InitLogging("profiler", infaas::LogLevel::kInfo);
  // The answer goes to the original stdout; anything an engine prints on
  // stdout goes to stderr with the logs.
  const int answer_fd = ::dup(1);
  ::dup2(2, 1);
  return infaas::profiler::RunProfileJob(/*in_fd=*/0, answer_fd);
}
