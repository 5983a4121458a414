// Runs every `sh` block of docs/http-api.md, in order, against a live
// master (see the page's introduction for the rules), so the documented
// curl examples stay true.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "testing/http_client.h"
#include "testing/test_cluster.h"

namespace infaas::testing {
namespace {

struct Example {
  int line = 0;  // where the block starts in the page
  std::string script;
  int expected_status = 0;  // 0: every curl must succeed
};

std::vector<Example> ShellBlocks(const std::string& page) {
  std::vector<Example> examples;
  Example* open = nullptr;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    ++number;
    if (open == nullptr && line == "```sh") {
      examples.push_back({.line = number, .script = "", .expected_status = 0});
      open = &examples.back();
    } else if (open != nullptr && line == "```") {
      open = nullptr;
    } else if (open != nullptr) {
      absl::string_view rest = line;
      if (absl::ConsumePrefix(&rest, "# expect ")) {
        open->expected_status = std::stoi(std::string(rest));
      } else {
        absl::StrAppend(&open->script, line, "\n");
      }
    }
  }
  return examples;
}

// curl for a block: must succeed, or must answer `status` with {"error"}.
std::string CurlWrapper(int status, const std::string& body_file) {
  if (status == 0) return "curl() { command curl -sS --fail-with-body \"$@\"; echo; }\n";
  return absl::StrCat("curl() { code=$(command curl -sS -o ", body_file,
                      " -w '%{http_code}' \"$@\"); cat ", body_file, "; echo;",
                      " [ \"$code\" = ", status, " ] && grep -q '\"error\"' ", body_file, "; }\n");
}

TEST(HttpDocsTest, EveryShellExampleRunsAgainstALiveMaster) {
  auto cluster = TestCluster::Start({.workers = 1, .zoo_models = {"linear", "lenet5"}});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  std::ifstream in(TestCluster::SourceDir() / "docs/http-api.md");
  std::stringstream page;
  page << in.rdbuf();
  const std::vector<Example> examples = ShellBlocks(page.str());
  ASSERT_GE(examples.size(), 10u);
  const std::string body_file = ((*cluster)->dir() / "docs-body.json").string();
  for (const Example& e : examples) {
    const std::string script =
        absl::StrReplaceAll(e.script, {{"localhost:8000", (*cluster)->http_address()},
                                       {"localhost:8002", (*cluster)->metrics_address()}});
    CommandResult r = RunShell(
        absl::StrCat("set -eo pipefail\n", CurlWrapper(e.expected_status, body_file), script),
        TestCluster::SourceDir().string());
    EXPECT_EQ(r.exit_code, 0) << "docs/http-api.md:" << e.line << "\n"
                              << e.script << "--- output ---\n"
                              << r.output;
  }
}

}  // namespace
}  // namespace infaas::testing
