// CatalogueView over a real SQLite store: what each caller may see, and the
// per-tenant copies while the catalogue is reloaded under readers.

#include "controller/catalogue_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "controller/testing/stored_catalogue.h"
#include "controller/testing/variant_records.h"

namespace infaas::controller {
namespace {

auth::Principal UserOf(const std::string& tenant) {
  return auth::Principal{.tenant = tenant, .role = auth::Role::kUser, .key_id = "k"};
}

std::vector<std::string> Names(const Catalogue& catalogue) {
  std::vector<std::string> names;
  for (const v1::VariantRecord& v : catalogue.variants) names.push_back(v.config().name());
  return names;
}

class CatalogueViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::VariantRecord mine = testing::MakeVariant({.name = "mine_onnx_cpu1_b1"});
    mine.set_owner_tenant("acme");
    v1::VariantRecord shared = testing::MakeVariant({.name = "shared_onnx_cpu1_b1"});
    shared.set_owner_tenant("acme");
    shared.set_is_public(true);
    auto stored = testing::StoredCatalogue::Create(
        "catalogue-view-test", {testing::MakeVariant({.name = "zoo_onnx_cpu1_b1"}), mine, shared});
    ASSERT_TRUE(stored.ok()) << stored.status();
    catalogue_ = *std::move(stored);
  }
  std::unique_ptr<testing::StoredCatalogue> catalogue_;
};

TEST_F(CatalogueViewTest, EachCallerSeesThePublicModelsAndItsTenantsOwn) {
  CatalogueView& view = *catalogue_->view();
  EXPECT_THAT(
      Names(*view.VisibleTo(UserOf("acme"))),
      ::testing::ElementsAre("mine_onnx_cpu1_b1", "shared_onnx_cpu1_b1", "zoo_onnx_cpu1_b1"));
  EXPECT_THAT(Names(*view.VisibleTo(UserOf("beta"))),
              ::testing::ElementsAre("shared_onnx_cpu1_b1", "zoo_onnx_cpu1_b1"));
  EXPECT_EQ(view.VisibleTo(auth::Principal::Operator()), view.Get());
  // One copy per tenant and snapshot.
  EXPECT_EQ(view.VisibleTo(UserOf("beta")), view.VisibleTo(UserOf("beta")));
}

TEST_F(CatalogueViewTest, ReadersKeepTheirSnapshotsWhileTheCatalogueIsReloaded) {
  CatalogueView& view = *catalogue_->view();
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      const auth::Principal caller = UserOf(t % 2 == 0 ? "acme" : "beta");
      while (!stop.load()) {
        std::shared_ptr<const Catalogue> seen = view.VisibleTo(caller);
        const bool sees_private = seen->Find("mine_onnx_cpu1_b1") != nullptr;
        if (sees_private != (caller.tenant == "acme")) ++wrong;
      }
    });
  }
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(view.Reload().ok());
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(CatalogueViewTest, PinsAreKeptInTheStoreAndReadFromTheViewWithoutIt) {
  CatalogueView* view = catalogue_->view();
  EXPECT_FALSE(view->IsPinned("zoo_onnx_cpu1_b1"));
  ASSERT_TRUE(view->SetPinned("zoo_onnx_cpu1_b1", true).ok());
  EXPECT_TRUE(view->IsPinned("zoo_onnx_cpu1_b1"));  // at once
  EXPECT_EQ(*catalogue_->store()->ListPinned(), std::vector<std::string>{"zoo_onnx_cpu1_b1"});
  // Another master pins through the store: seen at the next reload.
  ASSERT_TRUE(catalogue_->store()->SetPinned("mine_onnx_cpu1_b1", true).ok());
  EXPECT_FALSE(view->IsPinned("mine_onnx_cpu1_b1"));
  ASSERT_TRUE(view->Reload().ok());
  EXPECT_TRUE(view->IsPinned("mine_onnx_cpu1_b1"));
  std::shared_ptr<const CatalogueView::PinnedVariants> before = view->Pinned();
  ASSERT_TRUE(view->SetPinned("zoo_onnx_cpu1_b1", false).ok());
  EXPECT_FALSE(view->IsPinned("zoo_onnx_cpu1_b1"));
  EXPECT_TRUE(before->contains("zoo_onnx_cpu1_b1"));  // a reader's copy stays
  EXPECT_EQ(view->SetPinned("", true).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infaas::controller
