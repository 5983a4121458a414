#pragma once

// A self-signed certificate for tests of TLS: an EC P-256 key and a
// certificate for localhost and 127.0.0.1, valid for a day, that is its own
// CA (pass it as --tls-cert and --tls-ca). Made with the OpenSSL API, so no
// `openssl` tool is needed. Test-only.

#include <filesystem>

#include "absl/status/status.h"

namespace infaas::testing {

absl::Status WriteSelfSignedCertificate(const std::filesystem::path& cert,
                                        const std::filesystem::path& key);

}  // namespace infaas::testing
