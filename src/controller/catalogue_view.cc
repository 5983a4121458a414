#include "controller/catalogue_view.h"

#include "common/status_macros.h"

namespace infaas::controller {

CatalogueView::CatalogueView(store::MetadataStore* store)
    : store_(store), current_(std::make_shared<const Catalogue>()) {}

absl::Status CatalogueView::Reload() {
  ASSIGN_OR_RETURN(std::vector<v1::VariantRecord> variants, store_->ListVariants({}));
  auto next = std::make_shared<Catalogue>();
  next->variants = std::move(variants);
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  return absl::OkStatus();
}

std::shared_ptr<const Catalogue> CatalogueView::Get() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

}  // namespace infaas::controller
