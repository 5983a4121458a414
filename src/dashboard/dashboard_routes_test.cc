#include "dashboard/dashboard_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <thread>

#include "dashboard/assets.h"

namespace infaas::dashboard {
namespace {

using ::testing::HasSubstr;

class DashboardRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddDashboardRoutes(&server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Bound already: connections wait in the backlog until it accepts.
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    return client.Get(path);
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(DashboardRoutesTest, ServesThePageWithAPolicyThatAllowsOnlyTheMastersOwnFiles) {
  httplib::Result page = Get("/ui/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(page->body, HasSubstr("<title>INFaaS"));
  const std::string policy = page->get_header_value("Content-Security-Policy");
  EXPECT_THAT(policy, HasSubstr("script-src 'self'"));
  EXPECT_THAT(policy, HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");

  httplib::Result bare = Get("/ui");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 302);
  EXPECT_EQ(bare->get_header_value("Location"), "/ui/");
}

// Every file the page and its scripts refer to is served, with its type:
// the page works with nothing but the master.
TEST_F(DashboardRoutesTest, ServesEveryFileThePageAndItsScriptsReferTo) {
  std::set<std::string> referred;
  const std::regex reference(
      R"re((?:src|href)="/ui/([^"]+)"|from "\./([^"]+)"|from "\.\./([^"]+)")re");
  for (const Asset& asset : Assets()) {
    const std::string text(asset.bytes);
    for (std::sregex_iterator it(text.begin(), text.end(), reference), end; it != end; ++it) {
      if ((*it)[1].matched) referred.insert((*it)[1]);
      if ((*it)[2].matched) {
        const std::string name(asset.name);
        const size_t slash = name.rfind('/');
        referred.insert((slash == std::string::npos ? "" : name.substr(0, slash + 1)) +
                        (*it)[2].str());
      }
      if ((*it)[3].matched) referred.insert((*it)[3]);
    }
  }
  ASSERT_GE(referred.size(), 3u);
  for (const std::string& name : referred) {
    httplib::Result r = Get("/ui/" + name);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->status, 200) << name;
    EXPECT_EQ(r->get_header_value("Content-Type"), *ContentTypeOf(name)) << name;
    EXPECT_FALSE(r->body.empty()) << name;
  }
}

TEST_F(DashboardRoutesTest, NamesOutsideTheCompiledFilesAreNotFound) {
  for (const std::string path : {"/ui/missing.js", "/ui/../CMakeLists.txt", "/ui/%2e%2e/etc/passwd",
                                 "/ui/assets.h", "/ui/index.html.bak"}) {
    httplib::Result r = Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
}

TEST(ContentTypeOfTest, KnowsThePagesKindsOfFileOnly) {
  EXPECT_EQ(*ContentTypeOf("a/b.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(*ContentTypeOf("style.css"), "text/css; charset=utf-8");
  EXPECT_FALSE(ContentTypeOf("model.onnx").has_value());
}

}  // namespace
}  // namespace infaas::dashboard
