#pragma once

// A labelled validation set for measuring a variant's accuracy.
//
// Examples are kept as encoded images so that accuracy is measured through
// exactly the decoding and preprocessing path that online queries take.
// Sources:
//  - an idx pair as published for (Fashion-)MNIST, given as a folder that
//    holds one "*images*idx3*" and one "*labels*idx1*" file, or as
//    "IMAGES_PATH,LABELS_PATH"; gzip-compressed files are read as they are;
//  - a folder of images named by class, "<class>_<anything>.png|jpg", where
//    <class> matches a label with case and punctuation ignored
//    ("ankle_boot_0000.png" -> "Ankle boot", "tshirt_top_1.png" -> "T-shirt/top").
//
//   ASSIGN_OR_RETURN(ValidationSet set, LoadValidationSet(url, labels));
//
// Free functions, thread-safe; a ValidationSet is a plain value.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infaas::profiler {

struct LabelledExample {
  std::string encoded_image;  // PNG or JPEG bytes
  int label = 0;              // index into the model's label list
};

struct ValidationSet {
  std::string source;  // where it was read from, for messages
  std::vector<LabelledExample> examples;
};

// Loads at most `limit` examples (0 = all) from `url` (file:// or a path, see
// above). `labels` are the model's class names in output order; they are
// needed for a folder of class-named images. Errors name the file:
// NotFound, InvalidArgument (bad idx header, unknown class in a file name,
// label index out of range), DataLoss (truncated file).
absl::StatusOr<ValidationSet> LoadValidationSet(absl::string_view url,
                                                const std::vector<std::string>& labels,
                                                size_t limit = 0);

// The largest side (rows or columns) of an idx image that ParseIdxPair takes.
inline constexpr size_t kMaxIdxSide = 4096;

// Parses the contents of an idx3 image file and an idx1 label file (already
// decompressed) into examples; at most `limit` (0 = all). The names are for
// messages. InvalidArgument for a bad header, a count that differs between
// the two, or a side of 0 or above kMaxIdxSide; DataLoss when either is
// shorter than its header says.
absl::StatusOr<ValidationSet> ParseIdxPair(absl::string_view images, absl::string_view labels,
                                           absl::string_view images_name,
                                           absl::string_view labels_name, size_t limit = 0);

// The index of the label that a file name starts with, comparing letters
// and digits only, case-insensitively, longest label first; -1 if none.
int LabelFromFileName(absl::string_view file_name, const std::vector<std::string>& labels);

// The largest label file read (every variant record carries the labels;
// the 1,000-line ImageNet list is about 30 KB).
inline constexpr uint64_t kMaxLabelFileBytes = 4 << 20;

// Reads a label file: one class name per line, blank lines at the end
// ignored. InvalidArgument for a file over kMaxLabelFileBytes, unread.
absl::StatusOr<std::vector<std::string>> ReadLabelFile(absl::string_view path);

}  // namespace infaas::profiler
