// The catalogue's and the snapshot's indexes change how a selection finds
// its options, never what it decides: over random catalogues, clusters and
// queries, an indexed selection equals a scanning one, field for field.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/selector.h"
#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

using testing::kMiB;
using testing::MakeVariant;

Catalogue RandomCatalogue(std::mt19937_64& random) {
  Catalogue catalogue;
  std::uniform_real_distribution<double> ms(0.5, 40);
  for (int a = 0; a < 6; ++a) {
    for (int v = 0; v < 4; ++v) {
      // Whole milliseconds now and then: variants of equal cost, whose
      // order the rest of the key decides.
      const double b1 =
          random() % 4 == 0 ? std::max(10.0, std::round(ms(random) / 10) * 10) : ms(random);
      catalogue.variants.push_back(MakeVariant({.name = absl::StrCat("arch", a, "_v", v),
                                                .architecture = absl::StrCat("arch", a),
                                                .threads = 1 + v % 2,
                                                .max_batch = v < 2 ? 1 : 8,
                                                .latency = {{1, b1}, {8, 4 * b1}},
                                                .accuracy = 70 + 5.0 * v,
                                                .load_ms = 10 + 10.0 * v,
                                                .memory_bytes = (16 + 16 * v) * kMiB}));
    }
  }
  return catalogue;
}

ClusterSnapshot RandomCluster(const Catalogue& catalogue, std::mt19937_64& random) {
  ClusterSnapshot cluster;
  std::uniform_int_distribution<int> pick(0, static_cast<int>(catalogue.variants.size()) - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  const int workers = 1 + static_cast<int>(random() % 12);
  for (int i = 0; i < workers; ++i) {
    WorkerSnapshot w;
    w.id = absl::StrCat("w", random() % 100);  // ids may repeat: the order must still agree
    w.address = w.id + ":1";
    w.cores = 1 + static_cast<int>(random() % 4);
    w.cpu_utilization = unit(random);
    w.free_memory_bytes = static_cast<int64_t>(unit(random) * 256) * kMiB;
    w.draining = unit(random) < 0.15;
    w.call_overhead_ms = unit(random);
    w.call_overhead_p90_ms = w.call_overhead_ms + unit(random);
    const int loaded = static_cast<int>(random() % 6);
    for (int j = 0; j < loaded; ++j) {
      const std::string& name =
          catalogue.variants[static_cast<size_t>(pick(random))].config().name();
      if (w.Find(name) != nullptr) continue;
      LoadedVariant v;
      v.variant = name;
      v.instances = static_cast<int>(random() % 3);
      v.loading = v.instances == 0 || unit(random) < 0.1;
      v.queue_length = static_cast<int>(random() % 20);
      v.refused_recently = unit(random) < 0.1;
      // What the worker measured, faster or slower than the profile: moves
      // the predictions, not the order of the search.
      if (unit(random) < 0.5) {
        v.execution.push_back({.batch_size = 1,
                               .median_ms = 0.5 + 40 * unit(random),
                               .samples = 1 + static_cast<int64_t>(random() % 50)});
      }
      w.variants.push_back(v);
    }
    cluster.workers.push_back(std::move(w));
  }
  return cluster;
}

QueryRequirements RandomQuery(const Catalogue& catalogue, std::mt19937_64& random) {
  QueryRequirements q;
  std::uniform_real_distribution<double> slo(1, 120);
  switch (random() % 3) {
    case 0:
      q.variant = catalogue.variants[random() % catalogue.variants.size()].config().name();
      break;
    case 1:
      q.architecture = absl::StrCat("arch", random() % 7);  // arch6 is unknown
      q.latency_slo_ms = slo(random);
      break;
    default:
      q.task = "classification";
      q.dataset = "fashion-mnist";
      q.min_accuracy_percent = 60 + static_cast<double>(random() % 30);
      q.latency_slo_ms = slo(random);
  }
  q.batch_size = random() % 4 == 0 ? 8 : 1;
  return q;
}

TEST(SelectorIndexTest, AnIndexedSelectionDecidesAsAScanningOne) {
  std::mt19937_64 random(11);
  int selected = 0;
  int searched = 0;
  for (int round = 0; round < 2000; ++round) {
    const Catalogue plain = RandomCatalogue(random);
    Catalogue indexed = plain;
    indexed.BuildIndex();
    const ClusterSnapshot scanned = RandomCluster(plain, random);
    ClusterSnapshot with_index = scanned;
    IndexSnapshot(&with_index);
    const QueryRequirements q = RandomQuery(plain, random);
    const SelectorDecision a = SelectVariant(q, plain, scanned);
    const SelectorDecision b = SelectVariant(q, indexed, with_index);
    ASSERT_EQ(a.selection.ok(), b.selection.ok()) << round;
    if (a.selection.ok()) {
      ++selected;
      // Forms 2 and 3 served warm: the indexed selection found it by its
      // early-stopping search (selector_search.h), the scanning one by
      // building every candidate.
      if (q.variant.empty() && !a.selection->needs_load && !a.selection->wait_for_load) ++searched;
      EXPECT_EQ(a.selection->variant, b.selection->variant) << round;
      EXPECT_EQ(a.selection->worker_id, b.selection->worker_id) << round;
      EXPECT_EQ(a.selection->predicted_latency_ms, b.selection->predicted_latency_ms) << round;
      EXPECT_EQ(a.selection->wait_for_load, b.selection->wait_for_load) << round;
    } else {
      EXPECT_EQ(a.selection.status(), b.selection.status()) << round;
    }
    ASSERT_EQ(a.background_load.has_value(), b.background_load.has_value()) << round;
    if (a.background_load.has_value()) {
      EXPECT_EQ(a.background_load->variant, b.background_load->variant) << round;
      EXPECT_EQ(a.background_load->worker_id, b.background_load->worker_id) << round;
    }
    EXPECT_EQ(a.retry_after_ms, b.retry_after_ms) << round;
  }
  EXPECT_GT(selected, 200);  // the random cases reach real selections
  EXPECT_GT(searched, 100);
}

TEST(SelectorIndexTest, FindUsesTheIndexAndAChangedCatalogueFallsBackToScanning) {
  Catalogue catalogue;
  catalogue.variants.push_back(MakeVariant({.name = "a"}));
  catalogue.BuildIndex();
  ASSERT_NE(catalogue.Find("a"), nullptr);
  EXPECT_EQ(catalogue.Find("b"), nullptr);
  ASSERT_NE(catalogue.IndexedArchitecture("lenet5"), nullptr);
  EXPECT_EQ(catalogue.IndexedArchitecture("lenet5")->size(), 1u);
  EXPECT_TRUE(catalogue.IndexedArchitecture("vgg")->empty());
  catalogue.variants.push_back(MakeVariant({.name = "b"}));  // the index is stale now
  ASSERT_NE(catalogue.Find("b"), nullptr);
  EXPECT_EQ(catalogue.IndexedArchitecture("lenet5"), nullptr);
}

}  // namespace
}  // namespace infaas::controller
