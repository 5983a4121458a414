#include "controller/catalogue_view.h"

#include <algorithm>

#include "auth/access_rules.h"
#include "common/status_macros.h"

namespace infaas::controller {

CatalogueView::CatalogueView(store::MetadataStore* store)
    : store_(store),
      current_(std::make_shared<const Catalogue>()),
      pinned_(std::make_shared<const PinnedVariants>()) {}

CatalogueView::CatalogueView(std::shared_ptr<const Catalogue> fixed)
    : store_(nullptr), pinned_(std::make_shared<const PinnedVariants>()) {
  if (!fixed->Indexed()) {
    auto indexed = std::make_shared<Catalogue>(*fixed);
    indexed->BuildIndex();
    fixed = std::move(indexed);
  }
  has_private_ = std::any_of(
      fixed->variants.begin(), fixed->variants.end(),
      [](const v1::VariantRecord& v) { return !v.owner_tenant().empty() && !v.is_public(); });
  current_ = std::move(fixed);
}

absl::Status CatalogueView::Reload() {
  if (store_ == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> variants, store_->ListVariants({}));
  ASSIGN_OR_RETURN(std::vector<std::string> pinned, store_->ListPinned());
  auto pins = std::make_shared<const PinnedVariants>(pinned.begin(), pinned.end());
  auto next = std::make_shared<Catalogue>();
  next->variants = std::move(variants);
  next->BuildIndex();
  const bool has_private = std::any_of(
      next->variants.begin(), next->variants.end(),
      [](const v1::VariantRecord& v) { return !v.owner_tenant().empty() && !v.is_public(); });
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  has_private_ = has_private;
  pinned_ = std::move(pins);
  per_tenant_.clear();
  return absl::OkStatus();
}

std::shared_ptr<const Catalogue> CatalogueView::VisibleTo(const auth::Principal& caller) const {
  absl::MutexLock lock(&mu_);
  if (caller.role == auth::Role::kAdmin || !has_private_) return current_;
  if (auto it = per_tenant_.find(caller.tenant); it != per_tenant_.end()) return it->second;
  auto visible = std::make_shared<Catalogue>();
  for (const v1::VariantRecord& v : current_->variants) {
    if (auth::CanSee(caller, v)) visible->variants.push_back(v);
  }
  visible->BuildIndex();
  per_tenant_.emplace(caller.tenant, visible);
  return visible;
}

std::shared_ptr<const CatalogueView::PinnedVariants> CatalogueView::Pinned() const {
  absl::MutexLock lock(&mu_);
  return pinned_;
}

bool CatalogueView::IsPinned(const std::string& variant) const {
  absl::MutexLock lock(&mu_);
  return pinned_->contains(variant);
}

absl::Status CatalogueView::SetPinned(const std::string& variant, bool pinned) {
  if (store_ != nullptr) RETURN_IF_ERROR(store_->SetPinned(variant, pinned));
  absl::MutexLock lock(&mu_);
  auto next = std::make_shared<PinnedVariants>(*pinned_);
  if (pinned) {
    next->insert(variant);
  } else {
    next->erase(variant);
  }
  pinned_ = std::move(next);
  return absl::OkStatus();
}

std::shared_ptr<const Catalogue> CatalogueView::Get() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

}  // namespace infaas::controller
