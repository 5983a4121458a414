#include "http/json_limits.h"

#include "absl/strings/str_cat.h"

namespace infaas::http {

absl::Status CheckJsonContainers(absl::string_view text, int64_t max_containers) {
  int64_t containers = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '{' || c == '[') && ++containers > max_containers) {
      return absl::InvalidArgumentError(
          absl::StrCat("the JSON body holds more than ", max_containers,
                       " objects and arrays; send fewer inputs per request, or the "
                       "binary data extension for large tensors"));
    }
  }
  return absl::OkStatus();
}

}  // namespace infaas::http
