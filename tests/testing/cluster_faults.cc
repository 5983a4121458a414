#include "testing/cluster_faults.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

namespace fs = std::filesystem;

std::string Seconds(absl::Duration d) { return absl::StrFormat("%.0fs", absl::ToDoubleSeconds(d)); }

std::string FormatSeconds(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "never";
  if (d == -absl::InfiniteDuration()) return "unknown";
  return absl::StrFormat("%.2f s", absl::ToDoubleSeconds(d));
}

// The time of the first line of `log` after `after` that contains `marker`
// (log lines start "[YYYY-MM-DD HH:MM:SS.mmm]", local time).
std::optional<absl::Time> LogTimeOf(const fs::path& log, absl::string_view marker,
                                    absl::Time after) {
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 25 || line[0] != '[' || !absl::StrContains(line, marker)) continue;
    absl::Time at;
    std::string error;
    if (!absl::ParseTime("%Y-%m-%d %H:%M:%E3S", line.substr(1, 23), absl::LocalTimeZone(), &at,
                         &error)) {
      continue;
    }
    if (at >= after) return at;
  }
  return std::nullopt;
}

// The `led_until` of the first "no longer leading" line after `after`.
std::optional<absl::Time> LeaderStoppedAt(const fs::path& log, absl::Time after) {
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const size_t at = line.find("led_until=");
    if (!absl::StrContains(line, "no longer leading") || at == std::string::npos) continue;
    const std::string value = line.substr(at + 10, line.find(' ', at) - at - 10);
    absl::Time until;
    std::string error;
    if (absl::ParseTime("%Y-%m-%dT%H:%M:%E3S%Ez", value, &until, &error) && until >= after) {
      return until;
    }
  }
  return std::nullopt;
}

int CountResults(const fs::path& folder) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name != "infaas-summary.json") ++n;
  }
  return n;
}

// Waits until `leader` of `asked` is `expected` (another master took over).
absl::StatusOr<absl::Duration> AwaitLeaderIs(HostsCluster& cluster, int asked, int expected,
                                             absl::Time since, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    absl::StatusOr<int> leader = cluster.Leader(asked);
    if (leader.ok() && *leader == expected) return absl::Now() - since;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(HostsCluster::MasterHost(expected),
                                                  " did not take over within ",
                                                  absl::FormatDuration(timeout)));
}

// Sleeps until `until` (no-op when past).
void SleepUntil(absl::Time until) {
  const absl::Duration left = until - absl::Now();
  if (left > absl::ZeroDuration()) absl::SleepFor(left);
}

absl::Status MakeJobInputs(const fs::path& folder, int n) {
  fs::create_directories(folder);
  const fs::path sample = TestCluster::SourceDir() / "models/zoo/samples/ankle_boot_0000.png";
  for (int i = 0; i < n; ++i) {
    std::error_code ec;
    fs::create_hard_link(sample, folder / absl::StrFormat("input_%05d.png", i), ec);
    if (ec) fs::copy_file(sample, folder / absl::StrFormat("input_%05d.png", i), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot make job inputs: ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<FaultFigures>> TallyOutcomes(const std::string& csv,
                                                        const std::vector<FaultWindow>& windows) {
  std::vector<FaultFigures> figures;
  for (const FaultWindow& w : windows) {
    FaultFigures f;
    f.fault = w.fault;
    figures.push_back(std::move(f));
  }
  if (windows.empty()) return figures;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells = absl::StrSplit(line, absl::MaxSplits(',', 3));
    int64_t sent_ms = 0;
    if (cells.size() < 3 || !absl::SimpleAtoi(cells[0], &sent_ms)) {
      return absl::DataLossError(absl::StrCat("outcome row \"", line, "\" is not understood"));
    }
    const absl::Time sent = absl::FromUnixMillis(sent_ms);
    size_t w = 0;
    while (w + 1 < windows.size() && windows[w + 1].start <= sent) ++w;
    FaultFigures& f = figures[w];
    ++f.sent;
    const std::string& code = cells[2];
    if (code == "OK") {
      ++f.answered;
      continue;
    }
    if (code == "LOST") {
      ++f.lost;
    } else if (code == "RESOURCE_EXHAUSTED") {
      ++f.refused;
    } else {
      ++f.failed;
    }
    const std::string message = cells.size() > 3 ? cells[3].substr(0, 60) : "";
    ++f.errors[message.empty() ? code : absl::StrCat(code, ": ", message)];
    f.time_to_recover = std::max(f.time_to_recover, sent - windows[w].start);
  }
  return figures;
}

absl::StatusOr<ClusterFaultReport> RunClusterFaults(HostsCluster& cluster,
                                                    const ClusterFaultOptions& options) {
  ClusterFaultReport report;
  NetnsHosts& hosts = cluster.hosts();
  const absl::Duration window = options.hold + options.settle;
  const absl::Duration total = options.warmup + 4 * window + absl::Seconds(2);
  const fs::path outcomes = cluster.dir() / "outcomes.csv";
  ASSIGN_OR_RETURN(
      ChildProcess * load,
      cluster.StartLoad({"-a", options.architecture, "-l", absl::StrCat(options.slo_ms), "--rate",
                         absl::StrCat(options.rate_qps), "--duration", Seconds(total), "--timeout",
                         "10s", "--outcomes-csv", outcomes.string(), "--json"}));
  std::vector<FaultWindow> windows = {{"steady", absl::Now()}};
  absl::Time next = absl::Now() + options.warmup;
  SleepUntil(next);

  // 1. A worker host cut off, then healed: one that serves the load, so
  // that its queries must move.
  ASSIGN_OR_RETURN(const std::string worker, cluster.ServingWorker());
  windows.push_back({absl::StrCat(worker, " cut off ", Seconds(options.hold)), absl::Now()});
  RETURN_IF_ERROR(hosts.Cut(worker));
  SleepUntil(next += options.hold);
  const absl::Time healed = absl::Now();
  RETURN_IF_ERROR(hosts.Heal(worker));
  SleepUntil(next += options.settle);
  {
    ASSIGN_OR_RETURN(const int leader, cluster.AwaitLeader(absl::Seconds(10)));
    const std::optional<absl::Time> rejoined =
        LogTimeOf(cluster.LogOf(HostsCluster::MasterHost(leader)),
                  absl::StrCat("worker joined worker=", worker), healed);
    report.worker_rejoined = rejoined.has_value();
  }
  std::vector<std::string> notes = {"", ""};
  notes[1] = report.worker_rejoined ? "rejoined after the heal" : "did NOT rejoin";

  // 2. The leader killed, with an offline job running on it.
  ASSIGN_OR_RETURN(const int killed, cluster.AwaitLeader(absl::Seconds(10)));
  const fs::path job_in = cluster.dir() / "job-in", job_out = cluster.dir() / "job-out";
  if (options.offline_inputs > 0) {
    RETURN_IF_ERROR(MakeJobInputs(job_in, options.offline_inputs));
    ASSIGN_OR_RETURN(
        std::string submitted,
        cluster.Client({"offline", job_in.string(), job_out.string(), options.architecture}));
    std::smatch id;
    if (std::regex_search(submitted, id, std::regex("job-[0-9a-f-]+"))) report.offline_job = id[0];
    report.offline_inputs = options.offline_inputs;
    // Killed while it runs: once its first results are written.
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (CountResults(job_out) == 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  const int survivor = (killed + 1) % cluster.masters();
  windows.push_back(
      {absl::StrCat("leader ", HostsCluster::MasterHost(killed), " killed"), absl::Now()});
  next = absl::Now();
  const int results_at_kill = CountResults(job_out);
  cluster.KillMaster(killed);
  ASSIGN_OR_RETURN(report.new_leader_after_kill,
                   AwaitLeaderIs(cluster, survivor, survivor, next, absl::Seconds(20)));
  SleepUntil(next += options.hold);
  RETURN_IF_ERROR(cluster.StartMaster(killed));  // back, as a follower
  SleepUntil(next += options.settle);
  notes.push_back(absl::StrCat(HostsCluster::MasterHost(survivor), " led after ",
                               FormatSeconds(report.new_leader_after_kill),
                               options.offline_inputs > 0
                                   ? absl::StrCat("; job had ", results_at_kill, "/",
                                                  options.offline_inputs, " results at the kill")
                                   : ""));

  // 3. The leader cut off from Redis only: it must stop before its lease
  // lapses; the other takes over.
  ASSIGN_OR_RETURN(const int cut, cluster.AwaitLeader(absl::Seconds(20)));
  const int other = (cut + 1) % cluster.masters();
  windows.push_back(
      {absl::StrCat("leader ", HostsCluster::MasterHost(cut), " cut from Redis"), absl::Now()});
  next = absl::Now();
  RETURN_IF_ERROR(hosts.Block(HostsCluster::MasterHost(cut), "redis"));
  ASSIGN_OR_RETURN(report.new_leader_after_cut,
                   AwaitLeaderIs(cluster, other, other, next, absl::Seconds(20)));
  SleepUntil(next += options.hold);
  RETURN_IF_ERROR(hosts.Unblock(HostsCluster::MasterHost(cut), "redis"));
  SleepUntil(next += options.settle);
  // Read once settled: the cut master logs its loss when its store call
  // gives up, with the moment it really stopped (led_until).
  const std::optional<absl::Time> stepped_down =
      LeaderStoppedAt(cluster.LogOf(HostsCluster::MasterHost(cut)), windows.back().start);
  const std::optional<absl::Time> took_over =
      LogTimeOf(cluster.LogOf(HostsCluster::MasterHost(other)), "leading: leader lease taken",
                windows.back().start);
  report.cut_leader_stepped_down = stepped_down.has_value();
  if (stepped_down && took_over) report.handover_gap = *took_over - *stepped_down;
  notes.push_back(absl::StrCat(HostsCluster::MasterHost(other), " led after ",
                               FormatSeconds(report.new_leader_after_cut), "; ",
                               HostsCluster::MasterHost(cut), " stopped ",
                               FormatSeconds(report.handover_gap), " before"));

  // 4. Redis restarted (AOF): serving goes on from what the masters hold.
  windows.push_back({"Redis restarted", absl::Now()});
  next = absl::Now();
  RETURN_IF_ERROR(cluster.RestartRedis());
  const absl::Duration redis_down = absl::Now() - next;
  notes.push_back(absl::StrCat("Redis down ", FormatSeconds(redis_down)));

  // The load ends by itself; its process exits once it wrote the outcomes.
  while (load->ReadLine(absl::Seconds(60)).ok()) {
  }
  load->Stop(SIGTERM);
  absl::StatusOr<std::string> csv = ReadFile(outcomes);
  if (!csv.ok()) {
    return absl::InternalError(absl::StrCat("infaas-bench wrote no outcomes (",
                                            csv.status().message(), "); see ",
                                            cluster.LogOf("client-load").string()));
  }
  ASSIGN_OR_RETURN(report.windows, TallyOutcomes(*csv, windows));
  for (size_t i = 0; i < report.windows.size() && i < notes.size(); ++i) {
    report.windows[i].note = notes[i];
  }

  if (options.offline_inputs > 0) {
    const fs::path summary = job_out / "infaas-summary.json";
    const absl::Time deadline = absl::Now() + absl::Seconds(90);
    while (!fs::exists(summary) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(100));
    report.offline_results = CountResults(job_out);
    absl::StatusOr<std::string> text = ReadFile(summary);
    if (text.ok()) {
      const nlohmann::json job = nlohmann::json::parse(*text, nullptr, false);
      if (!job.is_discarded()) {
        const auto done = job.value("items_done", nlohmann::json());
        // int64 is a JSON string in protobuf's mapping; 0 stays when it is not a number.
        if (done.is_string() &&
            !absl::SimpleAtoi(done.get<std::string>(), &report.offline_items_done)) {
          report.offline_items_done = 0;
        }
        if (done.is_number()) report.offline_items_done = done.get<int64_t>();
        report.offline_summary_done = job.value("state", "") == "STATE_DONE" &&
                                      (!job.contains("failures") || job["failures"].empty());
      }
    }
  }
  return report;
}

std::string FormatFaultTable(const ClusterFaultReport& report) {
  std::string out = absl::StrFormat("%-28s %6s %8s %7s %6s %4s  %-9s %s\n", "FAULT", "SENT",
                                    "ANSWERED", "REFUSED", "FAILED", "LOST", "RECOVERED", "NOTE");
  for (const FaultFigures& f : report.windows) {
    absl::StrAppendFormat(&out, "%-28s %6d %8d %7d %6d %4d  %-9s %s\n", f.fault, f.sent, f.answered,
                          f.refused, f.failed, f.lost,
                          absl::StrFormat("%.2f s", absl::ToDoubleSeconds(f.time_to_recover)),
                          f.note);
  }
  for (const FaultFigures& f : report.windows) {
    for (const auto& [error, n] : f.errors) {
      absl::StrAppendFormat(&out, "  %s: %d x %s\n", f.fault, n, error);
    }
  }
  if (!report.offline_job.empty()) {
    absl::StrAppendFormat(&out,
                          "offline job %s across the leader's death: %d inputs, %d result files, "
                          "summary %s, items done %d\n",
                          report.offline_job, report.offline_inputs, report.offline_results,
                          report.offline_summary_done ? "done, no failures" : "NOT done",
                          report.offline_items_done);
  }
  return out;
}

}  // namespace infaas::testing
