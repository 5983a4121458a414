#include "controller/cluster_view.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"

namespace infaas::controller {
namespace {

worker_rpc::HeartbeatRequest Beat(const std::string& id, std::vector<std::string> variants = {}) {
  worker_rpc::HeartbeatRequest beat;
  beat.set_worker_id(id);
  beat.set_address(id + ":1");
  beat.set_cores(2);
  beat.set_cpu_utilization(0.25);
  beat.set_free_memory_bytes(1 << 30);
  for (const std::string& v : variants) {
    worker_rpc::VariantLoad* load = beat.add_variants();
    load->set_variant(v);
    load->set_instances(1);
    load->set_queue_length(3);
  }
  return beat;
}

TEST(ClusterViewTest, AHeartbeatMakesAWorkerLiveWithWhatItReported) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  view.OnHeartbeat(Beat("w1", {"lenet5_onnx_cpu1_b1"}), clock.Now());
  auto snapshot = view.Snapshot(clock.Now());
  ASSERT_EQ(snapshot->workers.size(), 1u);
  const WorkerSnapshot& w = snapshot->workers[0];
  EXPECT_EQ(w.address, "w1:1");
  EXPECT_EQ(w.cores, 2);
  EXPECT_DOUBLE_EQ(w.cpu_utilization, 0.25);
  ASSERT_NE(w.Find("lenet5_onnx_cpu1_b1"), nullptr);
  EXPECT_EQ(w.Find("lenet5_onnx_cpu1_b1")->queue_length, 3);
}

TEST(ClusterViewTest, AWorkersRefusalMarksTheVariantThereForAWhile) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2), /*refusal_memory=*/absl::Seconds(1));
  view.OnHeartbeat(Beat("w1", {"a", "b"}), clock.Now());
  EXPECT_FALSE(view.Snapshot(clock.Now())->workers[0].Find("a")->RefusedRecently());
  view.NoteRefused("w1", "a", clock.Now());
  auto marked = view.Snapshot(clock.Now());
  EXPECT_TRUE(marked->workers[0].Find("a")->RefusedRecently());
  EXPECT_FALSE(marked->workers[0].Find("b")->RefusedRecently());
  // Heartbeats do not clear it; time does.
  clock.Advance(absl::Milliseconds(900));
  view.OnHeartbeat(Beat("w1", {"a", "b"}), clock.Now());
  EXPECT_TRUE(view.Snapshot(clock.Now())->workers[0].Find("a")->RefusedRecently());
  clock.Advance(absl::Milliseconds(200));
  EXPECT_FALSE(view.Snapshot(clock.Now())->workers[0].Find("a")->RefusedRecently());
}

TEST(ClusterViewTest, TheMarksASelectionCarriedCountWithoutALookup) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2), /*refusal_memory=*/absl::Seconds(1));
  view.OnHeartbeat(Beat("w1", {"a"}), clock.Now());
  auto snapshot = view.Snapshot(clock.Now());
  const LoadedVariant& a = *snapshot->workers[0].Find("a");
  ASSERT_NE(a.marks, nullptr);
  view.NoteDispatched("w1", "a", 3, a.marks);
  view.NoteDispatched("w1", "a", 2);  // by name: the same marks
  EXPECT_EQ(a.InFlightQueries(), 2);
  EXPECT_EQ(a.InFlightExamples(), 5);
  view.NoteRefused("w1", "a", clock.Now(), a.marks);
  EXPECT_TRUE(view.Snapshot(clock.Now())->workers[0].Find("a")->RefusedRecently());
  view.NoteAnswered("w1", "a", 3, -1, a.marks);
  view.NoteAnswered("w1", "a", 2, -1, a.marks);
  view.NoteAnswered("w1", "a", 2, -1, a.marks);  // one too many: stays at 0
  EXPECT_EQ(a.InFlightQueries(), 0);
  EXPECT_EQ(a.InFlightExamples(), 0);
  clock.Advance(absl::Milliseconds(1100));
  EXPECT_FALSE(view.Snapshot(clock.Now())->workers[0].Find("a")->RefusedRecently());
  // The snapshot was not built again for any of it (a first call overhead
  // measured would: the snapshot points at the new figures).
  EXPECT_EQ(view.Snapshot(clock.Now()), snapshot);
}

TEST(ClusterViewTest, ALoadAfterAnUnloadShowsTheVariantAgain) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  view.OnHeartbeat(Beat("w1", {"lenet5_onnx_cpu1_b1"}), clock.Now());
  // A query found it missing (NOT_FOUND while it was loading) ...
  view.NoteUnloading("w1", "lenet5_onnx_cpu1_b1");
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[0].Find("lenet5_onnx_cpu1_b1"), nullptr);
  // ... then its load finished: heartbeats keep reporting it, and it shows.
  view.NoteLoadStarted("w1", "lenet5_onnx_cpu1_b1", 1, 0);
  view.NoteLoaded("w1", "lenet5_onnx_cpu1_b1");
  view.OnHeartbeat(Beat("w1", {"lenet5_onnx_cpu1_b1"}), clock.Now());
  EXPECT_NE(view.Snapshot(clock.Now())->workers[0].Find("lenet5_onnx_cpu1_b1"), nullptr);
}

TEST(ClusterViewTest, AHeartbeatWithNewFiguresOnlyReachesTheSnapshotWithinTheRefresh) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2), absl::Seconds(1), kHeartbeatRefresh);
  view.OnHeartbeat(Beat("w1", {"a"}), clock.Now());
  ASSERT_EQ(view.Snapshot(clock.Now())->workers[0].Find("a")->queue_length, 3);
  // Only figures change: the snapshot keeps the last ones until the refresh.
  worker_rpc::HeartbeatRequest busier = Beat("w1", {"a"});
  busier.mutable_variants(0)->set_queue_length(7);
  view.OnHeartbeat(busier, clock.Now());
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[0].Find("a")->queue_length, 3);
  clock.Advance(kHeartbeatRefresh);
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[0].Find("a")->queue_length, 7);
  // What it serves changes: at once.
  view.OnHeartbeat(Beat("w1", {"a", "b"}), clock.Now());
  EXPECT_NE(view.Snapshot(clock.Now())->workers[0].Find("b"), nullptr);
  // A new worker: at once.
  view.OnHeartbeat(Beat("w2", {"a"}), clock.Now());
  EXPECT_EQ(view.Snapshot(clock.Now())->workers.size(), 2u);
}

// A snapshot built from the one before: the workers that did not change
// are the same entries, and the index and load order are as a full build
// would make them.
TEST(ClusterViewTest, ASnapshotSharesTheWorkersThatDidNotChangeAndKeepsItsIndexRight) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  for (const char* id : {"w1", "w2", "w3"}) view.OnHeartbeat(Beat(id, {"a"}), clock.Now());
  auto before = view.Snapshot(clock.Now());
  ASSERT_EQ(before->workers.size(), 3u);

  // w2 frees memory and loads "b"; w1 and w3 stay as they were.
  worker_rpc::HeartbeatRequest w2 = Beat("w2", {"a", "b"});
  w2.set_free_memory_bytes(int64_t{4} << 30);
  view.OnHeartbeat(w2, clock.Now());
  view.SetDraining("w3", true, clock.Now());
  auto after = view.Snapshot(clock.Now());
  ASSERT_EQ(after->workers.size(), 3u);
  EXPECT_EQ(after->workers.shared(0), before->workers.shared(0));  // w1: shared
  EXPECT_NE(after->workers.shared(1), before->workers.shared(1));  // w2: built again
  EXPECT_NE(after->workers[1].Find("b"), nullptr);
  EXPECT_TRUE(after->workers[2].draining);
  EXPECT_FALSE(before->workers[2].draining);  // the old snapshot is untouched

  // The same index as a snapshot built from scratch.
  ClusterSnapshot fresh;
  for (size_t i = 0; i < after->workers.size(); ++i) fresh.workers.push_back(after->workers[i]);
  IndexSnapshot(&fresh);
  EXPECT_EQ(after->load_order, fresh.load_order);
  EXPECT_EQ(after->load_order, (std::vector<uint32_t>{1, 0}));  // most free memory first
  EXPECT_TRUE(after->first_loads.empty());
  for (const std::string variant : {"a", "b"}) {
    ASSERT_NE(after->HoldersOf(variant), nullptr) << variant;
    ASSERT_EQ(after->HoldersOf(variant)->size(), fresh.HoldersOf(variant)->size()) << variant;
    for (size_t i = 0; i < fresh.HoldersOf(variant)->size(); ++i) {
      EXPECT_EQ((*after->HoldersOf(variant))[i].worker, (*fresh.HoldersOf(variant))[i].worker);
      EXPECT_EQ((*after->HoldersOf(variant))[i].slot, (*fresh.HoldersOf(variant))[i].slot);
    }
  }
  // Nothing changed: the very same snapshot.
  EXPECT_EQ(view.Snapshot(clock.Now()), after);

  // w1 drops "a" and takes "c" and "b": the holders move with it alone, and
  // the snapshot before keeps its own.
  view.OnHeartbeat(Beat("w1", {"c", "b"}), clock.Now());
  auto later = view.Snapshot(clock.Now());
  auto workers_of = [](const ClusterSnapshot& s, const std::string& variant) {
    std::vector<std::string> ids;
    if (const std::vector<ClusterSnapshot::Holder>* holders = s.HoldersOf(variant)) {
      for (const ClusterSnapshot::Holder& h : *holders) {
        EXPECT_EQ(s.workers[h.worker].variants[h.slot].variant, variant);
        ids.push_back(s.workers[h.worker].id);
      }
    }
    return ids;
  };
  EXPECT_EQ(workers_of(*later, "a"), (std::vector<std::string>{"w2", "w3"}));
  EXPECT_EQ(workers_of(*later, "b"), (std::vector<std::string>{"w1", "w2"}));
  EXPECT_EQ(workers_of(*later, "c"), (std::vector<std::string>{"w1"}));
  EXPECT_EQ(workers_of(*after, "a"), (std::vector<std::string>{"w1", "w2", "w3"}));
  EXPECT_TRUE(workers_of(*after, "c").empty());
}

TEST(ClusterViewTest, HeartbeatsCarryExecutionTimesAndMeasuredLoadTimes) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  worker_rpc::HeartbeatRequest beat = Beat("w1", {"lenet5_onnx_cpu1_b1"});
  worker_rpc::BatchTiming* timing = beat.mutable_variants(0)->add_execution();
  timing->set_batch_size(4);
  timing->set_median_ms(3.5);
  timing->set_p99_ms(5);
  timing->set_samples(20);
  beat.mutable_variants(0)->set_load_latency_ms(120);
  view.OnHeartbeat(beat, clock.Now());
  auto snapshot = view.Snapshot(clock.Now());
  const LoadedVariant* v = snapshot->workers[0].Find("lenet5_onnx_cpu1_b1");
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->execution.size(), 1u);
  EXPECT_EQ(v->execution[0].batch_size, 4);
  EXPECT_DOUBLE_EQ(v->execution[0].median_ms, 3.5);
  EXPECT_EQ(v->execution[0].samples, 20);
  EXPECT_DOUBLE_EQ(snapshot->measured_load_ms.Of("lenet5_onnx_cpu1_b1"), 120);
}

TEST(ClusterViewTest, QueriesSentAndNotYetAnsweredShowInSnapshotsAtOnce) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  view.OnHeartbeat(Beat("w1", {"lenet5_onnx_cpu1_b1"}), clock.Now());
  view.NoteDispatched("w1", "lenet5_onnx_cpu1_b1", 8);
  view.NoteDispatched("w1", "lenet5_onnx_cpu1_b1", 2);
  const std::shared_ptr<const ClusterSnapshot> before = view.Snapshot(clock.Now());
  const LoadedVariant* v = before->workers[0].Find("lenet5_onnx_cpu1_b1");
  EXPECT_EQ(v->InFlightQueries(), 2);
  EXPECT_EQ(v->InFlightExamples(), 10);
  view.NoteAnswered("w1", "lenet5_onnx_cpu1_b1", 8, /*overhead_ms=*/0.4);
  view.NoteAnswered("w1", "lenet5_onnx_cpu1_b1", 2, /*overhead_ms=*/-1);  // an error
  auto snapshot = view.Snapshot(clock.Now());
  EXPECT_EQ(snapshot->workers[0].Find("lenet5_onnx_cpu1_b1")->InFlightQueries(), 0);
  EXPECT_EQ(v->InFlightQueries(), 0);  // counted in place: an older snapshot sees it too
  EXPECT_DOUBLE_EQ(snapshot->workers[0].CallOverheadMs(), 0.4);  // the first answer sets it
  view.NoteDispatched("w1", "lenet5_onnx_cpu1_b1", 1);
  view.NoteAnswered("w1", "lenet5_onnx_cpu1_b1", 1, 2.4);  // then the median of the last few
  const double overhead = view.Snapshot(clock.Now())->workers[0].CallOverheadMs();
  EXPECT_GT(overhead, 0.4);
  EXPECT_LT(overhead, 2.4);
  // The p90 (kept back from the worker's deadline) follows the slow answers.
  for (int i = 0; i < 8; ++i) {
    view.NoteDispatched("w1", "lenet5_onnx_cpu1_b1", 1);
    view.NoteAnswered("w1", "lenet5_onnx_cpu1_b1", 1, i < 7 ? 0.5 : 6.0);
  }
  const WorkerSnapshot& w = view.Snapshot(clock.Now())->workers[0];
  EXPECT_LT(w.CallOverheadMs(), 1.0);
  EXPECT_GT(w.CallOverheadP90Ms(), 2.0);
}

TEST(ClusterViewTest, AWorkerSilentPastTheLimitIsDroppedAndComesBackOnItsNextBeat) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  view.OnHeartbeat(Beat("w1"), clock.Now());
  view.OnHeartbeat(Beat("w2"), clock.Now());
  clock.Advance(absl::Milliseconds(1500));
  view.OnHeartbeat(Beat("w2"), clock.Now());
  clock.Advance(absl::Milliseconds(1000));  // w1 silent 2.5 s, w2 1 s
  auto snapshot = view.Snapshot(clock.Now());
  ASSERT_EQ(snapshot->workers.size(), 1u);
  EXPECT_EQ(snapshot->workers[0].id, "w2");
  EXPECT_EQ(view.LiveWorkers(clock.Now()), 1);
  view.OnHeartbeat(Beat("w1"), clock.Now());
  EXPECT_EQ(view.LiveWorkers(clock.Now()), 2);
}

TEST(ClusterViewTest, ALoadInFlightShowsAsLoadingUntilItFinishes) {
  FakeClock clock;
  ClusterView view;
  view.OnHeartbeat(Beat("w1"), clock.Now());
  view.NoteLoadStarted("w1", "mlp_onnx_cpu1_b1", 1, 0);
  auto during = view.Snapshot(clock.Now());
  const LoadedVariant* loading = during->workers[0].Find("mlp_onnx_cpu1_b1");
  ASSERT_NE(loading, nullptr);
  EXPECT_TRUE(loading->loading);
  // Among the snapshot's first loads in flight, where the selector looks.
  ASSERT_EQ(during->first_loads.size(), 1u);
  EXPECT_EQ(&during->workers[0].variants[during->first_loads[0].slot], loading);

  view.NoteLoaded("w1", "mlp_onnx_cpu1_b1");
  auto after = view.Snapshot(clock.Now());
  ASSERT_NE(after->workers[0].Find("mlp_onnx_cpu1_b1"), nullptr);
  EXPECT_FALSE(after->workers[0].Find("mlp_onnx_cpu1_b1")->loading);
  EXPECT_TRUE(after->first_loads.empty());
}

TEST(ClusterViewTest, ALoadInFlightTakesItsMemoryUntilAHeartbeatReportsIt) {
  constexpr int64_t kMiB = 1 << 20;
  FakeClock clock;
  ClusterView view;
  view.OnHeartbeat(Beat("w1", {"a"}), clock.Now());  // 1 GiB free
  view.OnHeartbeat(Beat("w2"), clock.Now());
  auto free_on = [&view, &clock](int worker) {
    return view.Snapshot(clock.Now())->workers[worker].free_memory_bytes;
  };
  // Two instances of a new variant, and one more of a variant it holds.
  view.NoteLoadStarted("w1", "b", 2, 100 * kMiB);
  view.NoteLoadStarted("w1", "a", 2, 50 * kMiB);
  EXPECT_EQ(free_on(0), (1 << 30) - 250 * kMiB);
  // The next load goes to the roomier worker now.
  auto snapshot = view.Snapshot(clock.Now());
  EXPECT_EQ(snapshot->workers[snapshot->load_order.front()].id, "w2");
  // Loaded: still taken until the worker's next heartbeat says what is free.
  view.NoteLoaded("w1", "b");
  EXPECT_EQ(free_on(0), (1 << 30) - 250 * kMiB);
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[0].Find("b")->instances, 2);
  // Failed: its memory is free again.
  view.NoteLoadFailed("w1", "a");
  EXPECT_EQ(free_on(0), (1 << 30) - 200 * kMiB);
  view.OnHeartbeat(Beat("w1", {"a", "b"}), clock.Now());
  EXPECT_EQ(free_on(0), 1 << 30);
  // Never below nothing, and no overflow for absurd sizes.
  view.NoteLoadStarted("w2", "c", 3, 1 << 30);
  EXPECT_EQ(free_on(1), 0);
  view.OnHeartbeat(Beat("w3"), clock.Now());
  view.NoteLoadStarted("w3", "d", 1000, std::numeric_limits<int64_t>::max() / 2);
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[2].free_memory_bytes, 0);
}

TEST(ClusterViewTest, AFailedLoadDisappears) {
  FakeClock clock;
  ClusterView view;
  view.OnHeartbeat(Beat("w1"), clock.Now());
  view.NoteLoadStarted("w1", "mlp_onnx_cpu1_b1", 1, 0);
  view.NoteLoadFailed("w1", "mlp_onnx_cpu1_b1");
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[0].Find("mlp_onnx_cpu1_b1"), nullptr);
}

TEST(ClusterViewTest, MarkDeadForgetsAWorkerAtOnce) {
  FakeClock clock;
  ClusterView view;
  view.OnHeartbeat(Beat("w1"), clock.Now());
  view.MarkDead("w1");
  EXPECT_TRUE(view.Snapshot(clock.Now())->workers.empty());
  view.MarkDead("unknown");  // harmless
}

TEST(ClusterViewTest, SnapshotsAreImmutableValues) {
  FakeClock clock;
  ClusterView view;
  view.OnHeartbeat(Beat("w1"), clock.Now());
  auto before = view.Snapshot(clock.Now());
  view.OnHeartbeat(Beat("w2"), clock.Now());
  EXPECT_EQ(before->workers.size(), 1u);
  EXPECT_EQ(view.Snapshot(clock.Now())->workers.size(), 2u);
}

TEST(ClusterViewTest, ADrainingWorkerIsFlaggedUntilReleasedEvenAfterItDies) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  view.OnHeartbeat(Beat("w1"), clock.Now());
  view.OnHeartbeat(Beat("w2"), clock.Now());
  const absl::Time since = clock.Now();
  view.SetDraining("w2", true, since);
  auto snapshot = view.Snapshot(clock.Now());
  ASSERT_EQ(snapshot->workers.size(), 2u);
  EXPECT_FALSE(snapshot->workers[0].draining);
  EXPECT_TRUE(snapshot->workers[1].draining);
  // Marking it again keeps the first time: the drain timeout counts from it.
  clock.Advance(absl::Seconds(1));
  view.SetDraining("w2", true, clock.Now());
  EXPECT_EQ(view.Draining(), (std::map<std::string, absl::Time>{{"w2", since}}));
  view.SetDraining("w2", false, clock.Now());
  EXPECT_FALSE(view.Snapshot(clock.Now())->workers[1].draining);
  EXPECT_TRUE(view.Draining().empty());
  // A worker that dies while draining stays marked: whoever drains it still
  // has to remove it, and only then releases the mark.
  view.SetDraining("w2", true, clock.Now());
  view.MarkDead("w2");
  EXPECT_EQ(view.Snapshot(clock.Now())->workers.size(), 1u);
  EXPECT_TRUE(view.Draining().contains("w2"));
  view.SetDraining("w2", false, clock.Now());
  view.OnHeartbeat(Beat("w2"), clock.Now());
  EXPECT_FALSE(view.Snapshot(clock.Now())->workers[1].draining);
}

TEST(ClusterViewTest, AVariantBeingUnloadedIsHiddenUntilAHeartbeatNoLongerReportsIt) {
  FakeClock clock;
  ClusterView view(absl::Seconds(2));
  view.OnHeartbeat(Beat("w1", {"a", "b"}), clock.Now());
  view.NoteUnloading("w1", "a");
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[0].Find("a"), nullptr);
  // Still unloading: the worker reports it, it stays hidden.
  view.OnHeartbeat(Beat("w1", {"a", "b"}), clock.Now());
  EXPECT_EQ(view.Snapshot(clock.Now())->workers[0].Find("a"), nullptr);
  // Gone from the worker; a later load shows again.
  view.OnHeartbeat(Beat("w1", {"b"}), clock.Now());
  view.OnHeartbeat(Beat("w1", {"a", "b"}), clock.Now());
  EXPECT_NE(view.Snapshot(clock.Now())->workers[0].Find("a"), nullptr);
  // A failed unload shows it again at once.
  view.NoteUnloading("w1", "b");
  view.NoteUnloadFailed("w1", "b");
  EXPECT_NE(view.Snapshot(clock.Now())->workers[0].Find("b"), nullptr);
}

TEST(ClusterViewTest, TheIndexUpdatedPerWorkerMatchesOneBuiltFromScratch) {
  FakeClock clock;
  ClusterView view;
  std::mt19937 random(3);
  auto worker = [&random] { return absl::StrCat("w", random() % 12); };
  auto variant = [&random] { return absl::StrCat("v", random() % 30); };
  for (int step = 0; step < 3000; ++step) {
    switch (random() % 6) {
      case 0: {
        std::vector<std::string> held;
        for (int k = random() % 5; k > 0; --k) held.push_back(variant());
        view.OnHeartbeat(Beat(worker(), held), clock.Now());
        break;
      }
      case 1:
        view.NoteLoadStarted(worker(), variant(), 1, 1 << 20);
        break;
      case 2:
        view.NoteLoaded(worker(), variant());
        break;
      case 3:
        view.NoteUnloading(worker(), variant());
        break;
      case 4:
        view.NoteLoadFailed(worker(), variant());
        break;
      default:
        if (random() % 50 == 0) view.MarkDead(worker());
        break;
    }
    auto snapshot = view.Snapshot(clock.Now());
    const HolderIndex scratch = HolderIndexOf(snapshot->workers);
    for (int v = 0; v < 30; ++v) {
      const std::string name = absl::StrCat("v", v);
      const auto* incremental = snapshot->HoldersOf(name);
      const auto* built = scratch.Find(name);
      ASSERT_EQ(incremental == nullptr, built == nullptr) << name << " at step " << step;
      if (built == nullptr) continue;
      ASSERT_EQ(incremental->size(), built->size()) << name << " at step " << step;
      for (size_t i = 0; i < built->size(); ++i) {
        EXPECT_EQ((*incremental)[i].worker, (*built)[i].worker);
        EXPECT_EQ((*incremental)[i].slot, (*built)[i].slot);
      }
    }
  }
}

}  // namespace
}  // namespace infaas::controller
