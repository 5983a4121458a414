#include "sim/stream_spec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace infaas::sim {
namespace {

TEST(StreamSpecTest, ParsesEachQueryFormAndAScheduleWithCommas) {
  absl::StatusOr<Stream> a = ParseStream("a=lenet5,slo=20,rate=200qps:60s,800qps:30s");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->name, "lenet5");
  EXPECT_EQ(a->requirements.architecture, "lenet5");
  EXPECT_DOUBLE_EQ(a->requirements.latency_slo_ms, 20);
  ASSERT_EQ(a->schedule.size(), 2u);
  EXPECT_DOUBLE_EQ(a->schedule[1].qps, 800);
  EXPECT_EQ(a->schedule[1].duration, absl::Seconds(30));

  absl::StatusOr<Stream> t =
      ParseStream("t=classification,D=fashion-mnist,A=90,slo=50,batch=4,rate=100qps:2m");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "classification/fashion-mnist");
  EXPECT_DOUBLE_EQ(t->requirements.min_accuracy_percent, 90);
  EXPECT_EQ(t->requirements.batch_size, 4);

  absl::StatusOr<Stream> v = ParseStream("v=lenet5_onnx_cpu1_b8,name=pinned,rate=50qps:10s");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->name, "pinned");
  EXPECT_EQ(v->requirements.variant, "lenet5_onnx_cpu1_b8");
}

TEST(StreamSpecTest, ParsesBurstyAndDiurnalArrivals) {
  absl::StatusOr<Stream> s = ParseStream("a=vgg_mini,slo=100,cv=4,amp=0.8,diurnal=400qps:24h:24h");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_DOUBLE_EQ(s->cv, 4);
  EXPECT_EQ(loadgen::TotalDuration(s->schedule), absl::Hours(24));
  EXPECT_LT(s->schedule.front().qps, 100);  // near the trough, 400 x 0.2
  // A tiny period over a long run is drawn in bounded steps.
  absl::StatusOr<Stream> fine = ParseStream("a=lenet5,slo=5,diurnal=1qps:1ms:1000h");
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_LE(fine->schedule.size(), 100'001u);
  // A simulated hour at 100,000 queries per second is not refused.
  EXPECT_TRUE(ParseStream("a=lenet5,slo=20,rate=100000qps:1h").ok());
}

TEST(StreamSpecTest, RefusesWhatIsNotAStreamNamingThePart) {
  for (const char* bad :
       {"a=lenet5,rate=10qps:1s",               // no slo
        "a=lenet5,slo=5",                       // no rate
        "a=lenet5,v=x,slo=5,rate=1qps:1s",      // two forms
        "t=classification,slo=5,rate=1qps:1s",  // no dataset
        "a=lenet5,slo=fast,rate=1qps:1s", "a=lenet5,slo=5,batch=0,rate=1qps:1s",
        "a=lenet5,slo=5,colour=red,rate=1qps:1s", "lenet5", "a=lenet5,slo=5,rate=lots"}) {
    absl::StatusOr<Stream> s = ParseStream(bad);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StrContains(s.status().message(), "expected e.g.")) << s.status();
  }
}

TEST(StreamSpecTest, ATraceStreamPlaysTheLinesWithItsName) {
  const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / "two.csv";
  std::ofstream(path) << "# seconds,stream\n0.5,lenet5\n0.1,vgg\n0.2,lenet5\n";
  absl::StatusOr<Stream> lenet = ParseStream(absl::StrCat("a=lenet5,slo=20,trace=", path.string()));
  absl::StatusOr<Stream> vgg =
      ParseStream(absl::StrCat("a=vgg_mini,name=vgg,slo=90,trace=", path.string()));
  absl::StatusOr<Stream> other =
      ParseStream(absl::StrCat("a=resnet_mini,slo=90,trace=", path.string()));
  ASSERT_TRUE(lenet.ok() && vgg.ok() && other.ok()) << lenet.status() << vgg.status();
  EXPECT_FALSE(lenet->trace.has_value());  // read by ResolveTraces, not by the parser

  std::vector<Stream> streams = {*lenet, *vgg};
  ASSERT_TRUE(ResolveTraces(&streams).ok());
  ASSERT_TRUE(streams[0].trace.has_value());
  EXPECT_EQ(*streams[0].trace,
            (std::vector<absl::Duration>{absl::Milliseconds(200), absl::Milliseconds(500)}));
  EXPECT_EQ(*streams[1].trace, (std::vector<absl::Duration>{absl::Milliseconds(100)}));

  std::vector<Stream> unnamed = {*other};
  const absl::Status missing = ResolveTraces(&unnamed);
  EXPECT_TRUE(absl::IsInvalidArgument(missing));
  EXPECT_TRUE(absl::StrContains(missing.message(), "resnet_mini")) << missing;
  EXPECT_TRUE(absl::StrContains(missing.message(), "lenet5, vgg")) << missing;
}

TEST(StreamSpecTest, ATraceWithoutNamesFeedsAnyStream) {
  const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / "times.txt";
  std::ofstream(path) << "1\n0.25\n";
  std::vector<Stream> streams = {
      *ParseStream(absl::StrCat("a=lenet5,slo=20,trace=", path.string()))};
  ASSERT_TRUE(ResolveTraces(&streams).ok());
  EXPECT_EQ(*streams[0].trace,
            (std::vector<absl::Duration>{absl::Milliseconds(250), absl::Seconds(1)}));
}

TEST(StreamSpecTest, ABadTraceNamesItsFileAndLine) {
  const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / "bad.csv";
  std::ofstream(path) << "0.1,lenet5\nsoon,lenet5\n";
  std::vector<Stream> streams = {
      *ParseStream(absl::StrCat("a=lenet5,slo=20,trace=", path.string()))};
  const absl::Status bad = ResolveTraces(&streams);
  EXPECT_TRUE(absl::IsInvalidArgument(bad));
  EXPECT_TRUE(absl::StrContains(bad.message(), "line 2")) << bad;
  EXPECT_TRUE(absl::StrContains(bad.message(), path.string())) << bad;

  EXPECT_FALSE(ParseStream("a=lenet5,slo=20,trace=x.csv,diurnal=1qps:1h:1h").ok());
  EXPECT_FALSE(ParseStream("a=lenet5,slo=20,trace=").ok());
  std::vector<Stream> absent = {*ParseStream("a=lenet5,slo=20,trace=/nonexistent/x.csv")};
  EXPECT_FALSE(ResolveTraces(&absent).ok());
}

}  // namespace
}  // namespace infaas::sim
