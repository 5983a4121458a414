#pragma once

// The rules for names of models and variants, shared by the repository (a
// name becomes a folder) and the metadata store (a name becomes a key).

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace infaas {

// A model or variant name: 1..128 characters from [A-Za-z0-9._-], not
// starting with '.' or '-'. So it can never be "..", hold a separator or a
// NUL, or escape a folder. InvalidArgument says what is wrong and what is
// allowed.
absl::Status ValidateModelName(absl::string_view name);

// A name a request gives for what it asks for (a variant, an architecture,
// a task, a dataset, a model of the KServe API): at most 128 characters,
// none of them a control character. Checked before the name is looked up,
// echoed in an error, logged or counted; the error quotes at most its first
// 32 characters, escaped. `what` names the field ("variant").
absl::Status ValidateRequestedName(absl::string_view what, absl::string_view name);

// A path of a file inside a model's folder, e.g. "lenet5.pt" or
// "weights/part1.bin": relative, components separated by single '/', each
// component a valid model name. Rejects absolute paths, "..", ".", empty
// components ("a//b"), trailing '/', backslashes and NUL.
absl::Status ValidateRelativeModelPath(absl::string_view path);

}  // namespace infaas
