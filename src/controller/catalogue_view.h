#pragma once

// CatalogueView: the master's read-mostly copy of the catalogue, published
// as an immutable snapshot and swapped whole on Reload() (after a
// registration, or periodically so several masters sharing a Redis store
// converge).
//
//   std::shared_ptr<const Catalogue> c = view.Get();   // cheap: a pointer copy
//                                                      // under a short lock
//
// Thread-safe.

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "controller/selector.h"
#include "store/metadata_store.h"

namespace infaas::controller {

class CatalogueView {
 public:
  explicit CatalogueView(store::MetadataStore* store);

  // Reads every variant from the store and publishes them. On error the
  // previous snapshot stays.
  absl::Status Reload();

  std::shared_ptr<const Catalogue> Get() const;

 private:
  store::MetadataStore* const store_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Catalogue> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::controller
