#include "loadgen/sample_digest.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "common/latency_histogram.h"

namespace infaas::loadgen {
namespace {

TEST(SampleDigestTest, EmptyIsZero) {
  SampleDigest d;
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.Percentile(50), 0);
}

TEST(SampleDigestTest, ExactWhileSmall) {
  SampleDigest d;
  for (double s : {1.0, 2.0, 3.0, 4.0}) d.Add(s);
  EXPECT_EQ(d.count(), 4);
  EXPECT_DOUBLE_EQ(d.Percentile(50), PercentileOf({1, 2, 3, 4}, 50));
  EXPECT_DOUBLE_EQ(d.Percentile(100), 4);
}

TEST(SampleDigestTest, WithinOnePercentPastTheExactSamples) {
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> latency(1.5, 1.0);
  SampleDigest d;
  std::vector<double> all;
  for (int i = 0; i < 100000; ++i) {
    const double s = latency(random);
    d.Add(s);
    all.push_back(s);
  }
  EXPECT_EQ(d.count(), 100000);
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9}) {
    const double exact = PercentileOf(all, p);
    EXPECT_NEAR(d.Percentile(p), exact, 0.011 * exact) << "p" << p;
  }
  EXPECT_DOUBLE_EQ(d.Percentile(100), PercentileOf(all, 100));
}

TEST(SampleDigestTest, MergeMatchesOneDigestOfEverything) {
  SampleDigest a, b, both;
  for (int i = 1; i <= 1000; ++i) {
    (i % 3 == 0 ? a : b).Add(i * 0.37);
    both.Add(i * 0.37);
  }
  SampleDigest small;
  small.Add(5);
  a.Merge(b);
  a.Merge(small);
  both.Add(5);
  EXPECT_EQ(a.count(), both.count());
  for (double p : {10.0, 50.0, 99.0}) {
    EXPECT_NEAR(a.Percentile(p), both.Percentile(p), 0.021 * both.Percentile(p)) << "p" << p;
  }
}

TEST(SampleDigestTest, SmallMergesStayExact) {
  SampleDigest a, b;
  a.Add(1);
  b.Add(3);
  a.Merge(b);
  EXPECT_DOUBLE_EQ(a.Percentile(50), 2);
}

TEST(SampleDigestTest, ZerosAndBadSamplesCountAsZero) {
  SampleDigest d;
  for (int i = 0; i < 300; ++i) d.Add(i < 200 ? 0.0 : -1.0);
  d.Add(std::numeric_limits<double>::quiet_NaN());
  d.Add(10);
  EXPECT_EQ(d.count(), 302);
  EXPECT_EQ(d.Percentile(50), 0);
  EXPECT_DOUBLE_EQ(d.Percentile(100), 10);
}

}  // namespace
}  // namespace infaas::loadgen
