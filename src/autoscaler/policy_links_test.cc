// The policy library stays free of the engines and of gRPC: this binary
// links only infaas::policy (and the tests' snapshot helpers),
// and none of those libraries may be loaded into it. The simulator and the
// policies' tests depend on it.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

namespace infaas::autoscaler {
namespace {

// The file names of the shared objects mapped into this process.
std::set<std::string> LoadedLibraries() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> names;
  std::string line;
  while (std::getline(maps, line)) {
    const size_t slash = line.rfind('/');
    if (slash != std::string::npos && line.find(".so", slash) != std::string::npos) {
      names.insert(line.substr(slash + 1));
    }
  }
  return names;
}

TEST(PolicyLinksTest, NeitherTheEnginesNorGrpcAreLinked) {
  const std::set<std::string> libraries = LoadedLibraries();
  ASSERT_FALSE(libraries.empty()) << "/proc/self/maps lists no shared object";
  for (const std::string& name : libraries) {
    for (const char* forbidden : {"libtorch", "libc10", "libopencv", "libgrpc"}) {
      EXPECT_EQ(name.find(forbidden), std::string::npos)
          << name << " is loaded into a binary of the policy library alone";
    }
  }
}

}  // namespace
}  // namespace infaas::autoscaler
