#include "controller/testing/stored_catalogue.h"

#include <unistd.h>

#include <atomic>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace infaas::controller::testing {

namespace fs = std::filesystem;

absl::StatusOr<std::unique_ptr<StoredCatalogue>> StoredCatalogue::Create(
    absl::string_view name, const std::vector<v1::VariantRecord>& variants) {
  static std::atomic<int> created{0};
  const fs::path dir = fs::temp_directory_path() /
                       absl::StrCat("infaas-", name, "-", getpid(), "-", created.fetch_add(1));
  std::error_code error;
  fs::remove_all(dir, error);
  if (!fs::create_directories(dir, error)) {
    return absl::InternalError(
        absl::StrCat("cannot create test folder ", dir.string(), ": ", error.message()));
  }
  // The destructor removes the folder from here on.
  std::unique_ptr<StoredCatalogue> catalogue(new StoredCatalogue(dir));
  ASSIGN_OR_RETURN(catalogue->store_,
                   store::OpenMetadataStore(absl::StrCat("sqlite:", (dir / "store.db").string())));
  RETURN_IF_ERROR(catalogue->store_->PutVariants(variants));
  catalogue->view_ = std::make_unique<CatalogueView>(catalogue->store_.get());
  RETURN_IF_ERROR(catalogue->view_->Reload());
  return catalogue;
}

StoredCatalogue::~StoredCatalogue() {
  view_.reset();
  store_.reset();  // closes the SQLite file before its folder goes
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

}  // namespace infaas::controller::testing
