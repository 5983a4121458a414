#pragma once

// A single-machine INFaaS run in the background: one infaas-master and N
// infaas-worker processes started from the binaries beside `infaas`, tracked
// by pid files in <home>/run, with their output in <home>/logs (local_state.h
// shows the layout). `infaas up` starts one, `infaas down` stops it.
//
// Processes are named "master" and "worker-<i>" (i = 1..N); the name is the
// worker's --id and the stem of its pid and log files.
//
// Not thread-safe; one launcher per state folder at a time.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/process_control.h"

namespace infaas::cli {

struct LocalClusterOptions {
  int workers = 1;
  std::string store_url;    // the master's --store
  std::string repository;   // the master's and the workers' --repo
  int port = 50052;         // the master listens on 127.0.0.1:port; 0 picks a free port
  int http_port = 8000;     // the master's --http-port (0: any free port, -1: off)
  int metrics_port = 8002;  // the master's --metrics-port (0: any free port, -1: off)
  // How long to wait for the master to listen and every worker to register.
  absl::Duration startup_timeout = absl::Seconds(30);
  std::filesystem::path binaries;     // folder with infaas-master and infaas-worker
  std::string autoscaler = "infaas";  // the master's --autoscaler
  int max_workers = 0;                // the master's --max-workers
  int worker_cores = 1;               // each worker's --cores (also those it starts)
  // The master's --model-source-root and --job-root (none: its defaults,
  // $INFAAS_HOME/sources and $INFAAS_HOME/jobs).
  std::vector<std::string> model_source_roots{};
  std::vector<std::string> job_roots{};
  // TLS for the master's and the workers' listeners (both use this pair)
  // and the CA each checks the other against; empty: plaintext.
  std::string tls_cert{};
  std::string tls_key{};
  std::string tls_ca{};
};

struct LocalCluster {
  std::string master_address;           // HOST:PORT, as the master printed it
  std::vector<std::string> worker_ids;  // "worker-1" ... "worker-N"
  // The dashboard's URL ("http://HOST:PORT/ui/"); empty when HTTP is off.
  std::string dashboard_url{};
};

// OK if no process started from this state folder still runs (stale pid
// files are removed); FailedPrecondition naming the running process, where
// the master listens and how to stop it otherwise.
absl::Status CheckNoLocalClusterRuns();

// Starts the master, waits for its "listening on" line, writes
// <home>/run/master.address, starts the workers, and waits until the master
// reports every one of them alive. Shows progress on stderr. NotFound when a
// binary is missing; Aborted, ending with the tail of its log, when a process
// exits early; DeadlineExceeded after options.startup_timeout. On any error
// whatever was started is stopped again.
absl::StatusOr<LocalCluster> StartLocalCluster(const LocalClusterOptions& options);

struct StoppedProcess {
  std::string name;  // "master", "worker-1", ...
  pid_t pid = 0;     // 0 if the pid file was unreadable
  StopOutcome outcome = StopOutcome::kNotRunning;
};

// Stops every process with a pid file in <home>/run, workers before the
// master (SIGTERM, SIGKILL after `grace`), and removes the pid files and
// master.address. A pid now used by another program is left alone and
// reported as kNotRunning. Returns one entry per pid file, in stop order.
std::vector<StoppedProcess> StopLocalCluster(absl::Duration grace);

}  // namespace infaas::cli
