#pragma once

// CatalogueView: the master's read-mostly copy of the catalogue, published
// as an immutable snapshot and swapped whole on Reload() (after a
// registration, or periodically so several masters sharing a Redis store
// converge).
//
//   std::shared_ptr<const Catalogue> c = view.Get();   // cheap: a pointer copy
//                                                      // under a short lock
//   c = view.VisibleTo(caller);   // what one caller may see (auth/access_rules.h)
//
// Everything that answers a caller reads VisibleTo: a model the caller may
// not see is then simply not there (NOT_FOUND, never named in a list).
//
// The view also holds the pinned variants (KServe repository load: kept
// serving, never unloaded by the autoscaler). They live in the store, so
// they survive restarts and every master sees them; here they are read with
// each Reload and changed at once by SetPinned, so the autoscaler asks the
// view, never the store, per decision. A pin made through another master
// is seen here at the next Reload.
//
// Thread-safe.

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "auth/principal.h"
#include "controller/selector.h"
#include "store/metadata_store.h"

namespace infaas::controller {

class CatalogueView {
 public:
  explicit CatalogueView(store::MetadataStore* store);
  // A fixed catalogue and no store (the simulator): Reload keeps it, and
  // pins live in this view only. It is indexed here if it is not yet.
  explicit CatalogueView(std::shared_ptr<const Catalogue> fixed);

  // Reads every variant and the pins from the store and publishes them. On
  // error the previous snapshot and pins stay.
  absl::Status Reload();

  std::shared_ptr<const Catalogue> Get() const;

  // The variants `caller` may see. The whole snapshot for admins, or when
  // no variant is private; else a filtered copy, built once per tenant and
  // snapshot.
  std::shared_ptr<const Catalogue> VisibleTo(const auth::Principal& caller) const;

  using PinnedVariants = absl::flat_hash_set<std::string>;
  std::shared_ptr<const PinnedVariants> Pinned() const;
  bool IsPinned(const std::string& variant) const;
  // Pins (or releases) `variant` in the store, then in this view. The
  // store's error (nothing changes here then).
  absl::Status SetPinned(const std::string& variant, bool pinned);

 private:
  store::MetadataStore* const store_;  // null: a fixed catalogue
  mutable absl::Mutex mu_;
  std::shared_ptr<const Catalogue> current_ ABSL_GUARDED_BY(mu_);
  bool has_private_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<const PinnedVariants> pinned_ ABSL_GUARDED_BY(mu_);
  // Per tenant, for current_; cleared by Reload. Tenants come from valid keys.
  mutable std::map<std::string, std::shared_ptr<const Catalogue>, std::less<>> per_tenant_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace infaas::controller
