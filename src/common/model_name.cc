#include "common/model_name.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace infaas {
namespace {

constexpr size_t kMaxNameLength = 128;
constexpr absl::string_view kAllowed =
    "letters, digits, '.', '_' and '-', not starting with '.' or '-'";

// Renders a name for an error message with control characters made visible.
std::string Printable(absl::string_view name) {
  std::string out;
  for (char c : name) {
    if (absl::ascii_isprint(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

absl::Status ValidateModelName(absl::string_view name) {
  if (name.empty())
    return absl::InvalidArgumentError("name is empty; use " + std::string(kAllowed));
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("name \"", Printable(name.substr(0, 32)),
                                                   "...\" is longer than ", kMaxNameLength,
                                                   " characters"));
  }
  if (name.front() == '.' || name.front() == '-') {
    return absl::InvalidArgumentError(absl::StrCat("name \"", Printable(name), "\" starts with '",
                                                   name.substr(0, 1), "'; use ", kAllowed));
  }
  for (char c : name) {
    const bool ok =
        absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("name \"", Printable(name), "\" contains a character that is not allowed ('",
                       Printable(absl::string_view(&c, 1)), "'); use ", kAllowed));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestedName(absl::string_view what, absl::string_view name) {
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the requested ", what, " \"", Printable(name.substr(0, 32)), "...\" is ", name.size(),
        " characters long; registered names are at most ", kMaxNameLength));
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("the requested ", what, " \"", Printable(name.substr(0, 32)),
                       name.size() > 32 ? "..." : "",
                       "\" holds a control character; registered names have none"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRelativeModelPath(absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("file path is empty");
  if (path.front() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "file path \"", Printable(path), "\" is absolute; give it relative to the model folder"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  for (absl::string_view part : parts) {
    if (absl::Status s = ValidateModelName(part); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("file path \"", Printable(path), "\": component ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace infaas
