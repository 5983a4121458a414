#pragma once

// Authenticator: turns the "authorization" a request carried into the
// caller (tenant, role), and manages the keys.
//
// Keys live in the metadata store (hashed, api_keys.h); this object keeps
// them in memory so that checking a key does no I/O. A key it does not know
// makes it read the store again, at most once per `refresh`, so a key made
// through another master sharing the store works within that time; Reload()
// (the master calls it with the catalogue's) picks up keys revoked
// elsewhere. A key revoked here stops working at once. While the store is
// unreachable, the keys already read keep working.
//
//   Authenticator auth(store, clock, {.required = true});
//   RETURN_IF_ERROR(auth.Reload());
//   ASSIGN_OR_RETURN(Principal caller, auth.Authenticate(header_value));
//
// With `required` off every request is Principal::Operator(), whatever it
// carries (a single-user deployment on a trusted machine).
//
// Thread-safe.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/api_keys.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "store/metadata_store.h"

namespace infaas::auth {

class Authenticator {
 public:
  struct Options {
    bool required = false;
    // The least time between two store reads caused by unknown keys.
    absl::Duration refresh = absl::Seconds(1);
  };

  Authenticator(store::MetadataStore* store, Clock* clock, Options options);

  bool required() const { return options_.required; }

  // UNAUTHENTICATED when `authorization` holds no bearer token ("send
  // 'authorization: Bearer KEY'") or a key that is unknown or revoked.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization);

  // Reads every key from the store.
  absl::Status Reload();

  // Keys. InvalidArgument for a bad tenant; the store's errors.
  absl::StatusOr<MintedKey> CreateKey(absl::string_view tenant, Role role,
                                      absl::string_view description);
  // Every key, without hashes.
  absl::StatusOr<std::vector<v1::ApiKeyRecord>> ListKeys();
  // NotFound for an unknown id.
  absl::Status RevokeKey(absl::string_view id);

  // The operator's key kept in `path` (mode 0600): read it if the file
  // exists (and register it again if the store lost it), else make an
  // admin key of tenant `tenant` and write it there. Returns the key.
  absl::StatusOr<std::string> EnsureKeyFile(const std::filesystem::path& path,
                                            absl::string_view tenant);

 private:
  absl::StatusOr<Principal> Lookup(absl::string_view token);

  store::MetadataStore* const store_;
  Clock* const clock_;
  const Options options_;
  absl::Mutex mu_;
  std::map<std::string, v1::ApiKeyRecord, std::less<>> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time last_read_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace infaas::auth
