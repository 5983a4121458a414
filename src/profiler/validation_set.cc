#include "profiler/validation_set.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/folder_handle.h"
#include "common/status_macros.h"

namespace infaas::profiler {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kImagesMagic = 0x00000803;  // idx3, unsigned bytes
constexpr uint32_t kLabelsMagic = 0x00000801;  // idx1, unsigned bytes
// An idx file is read whole; a (decompressed) file beyond this is refused
// rather than allocated (Fashion-MNIST's largest is 47 MB).
constexpr size_t kMaxIdxFileBytes = size_t{1} << 30;
// The largest validation image read from a folder.
constexpr uint64_t kMaxImageFileBytes = uint64_t{64} << 20;

// Reads a whole file, inflating it if it is gzip-compressed (zlib reads
// plain files unchanged). Opened beneath its folder, no link followed.
absl::StatusOr<std::string> ReadMaybeGzipped(const fs::path& path) {
  ASSIGN_OR_RETURN(const FolderHandle folder,
                   FolderHandle::Open(path.has_parent_path() ? path.parent_path() : fs::path(".")));
  ASSIGN_OR_RETURN(UniqueFd fd, folder.OpenPlainFile(path.filename()));
  gzFile file = gzdopen(fd.get(), "rb");
  if (file == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  fd.release();  // gzclose closes it
  std::string out;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0 && out.size() <= kMaxIdxFileBytes) {
    out.append(buffer, n);
  }
  const bool failed = n < 0;
  gzclose(file);
  if (failed) return absl::DataLossError(absl::StrCat(path.string(), " is truncated or corrupt"));
  if (out.size() > kMaxIdxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), " holds more than ", kMaxIdxFileBytes, " bytes; use a subset"));
  }
  return out;
}

uint32_t BigEndian32(absl::string_view bytes, size_t offset) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return v;
}

std::string Normalized(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) out.push_back(absl::ascii_tolower(c));
  }
  return out;
}

absl::StatusOr<ValidationSet> LoadIdxPair(const fs::path& images_path, const fs::path& labels_path,
                                          size_t limit) {
  ASSIGN_OR_RETURN(std::string images, ReadMaybeGzipped(images_path));
  ASSIGN_OR_RETURN(std::string labels, ReadMaybeGzipped(labels_path));
  return ParseIdxPair(images, labels, images_path.string(), labels_path.string(), limit);
}

absl::StatusOr<ValidationSet> LoadImageFolder(const fs::path& folder,
                                              const std::vector<std::string>& labels,
                                              size_t limit) {
  if (labels.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("validation folder ", folder.string(),
                     " names classes by file, but the model has no label_file"));
  }
  // Plain files of the folder only, read beneath it: a link is skipped.
  ASSIGN_OR_RETURN(const FolderHandle opened, FolderHandle::Open(folder));
  ASSIGN_OR_RETURN(std::vector<FolderHandle::Entry> entries, opened.List());
  std::vector<std::string> files;
  for (const FolderHandle::Entry& entry : entries) {
    const std::string ext = absl::AsciiStrToLower(fs::path(entry.name).extension().string());
    if (entry.kind == FolderHandle::EntryKind::kFile &&
        (ext == ".png" || ext == ".jpg" || ext == ".jpeg")) {
      files.push_back(entry.name);
    }
  }
  std::sort(files.begin(), files.end());
  if (limit != 0 && files.size() > limit) files.resize(limit);
  ValidationSet set{folder.string(), {}};
  for (const std::string& file : files) {
    const int label = LabelFromFileName(file, labels);
    if (label < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "validation image ", (folder / file).string(),
          " does not start with a class name; name it like ", Normalized(labels[0]), "_0001.png"));
    }
    ASSIGN_OR_RETURN(std::string bytes, opened.ReadFileAtMost(file, kMaxImageFileBytes));
    set.examples.push_back({std::move(bytes), label});
  }
  if (set.examples.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("validation folder ", folder.string(),
                                                   " holds no PNG/JPEG images or idx files"));
  }
  return set;
}

// Finds the idx pair inside a folder, if there is one.
bool FindIdxPair(const fs::path& folder, fs::path* images, fs::path* labels) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (absl::StrContains(name, "idx3")) *images = entry.path();
    if (absl::StrContains(name, "idx1")) *labels = entry.path();
  }
  return !images->empty() && !labels->empty();
}

}  // namespace

absl::StatusOr<ValidationSet> ParseIdxPair(absl::string_view images, absl::string_view labels,
                                           absl::string_view images_name,
                                           absl::string_view labels_name, size_t limit) {
  if (images.size() < 16 || BigEndian32(images, 0) != kImagesMagic) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_name, " is not an idx3 image file (bad header)"));
  }
  if (labels.size() < 8 || BigEndian32(labels, 0) != kLabelsMagic) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels_name, " is not an idx1 label file (bad header)"));
  }
  const size_t count = BigEndian32(images, 4), rows = BigEndian32(images, 8),
               cols = BigEndian32(images, 12);
  if (BigEndian32(labels, 4) != count) {
    return absl::InvalidArgumentError(absl::StrCat(images_name, " holds ", count, " images but ",
                                                   labels_name, " holds ", BigEndian32(labels, 4),
                                                   " labels"));
  }
  if (rows == 0 || cols == 0 || rows > kMaxIdxSide || cols > kMaxIdxSide) {
    return absl::InvalidArgumentError(absl::StrCat(images_name, " holds ", rows, "x", cols,
                                                   " images; each side must be 1..", kMaxIdxSide));
  }
  // Sides are capped, so rows * cols cannot overflow; count is compared by
  // division so that count * pixels cannot either.
  const size_t pixels = rows * cols;
  if ((images.size() - 16) / pixels < count || labels.size() - 8 < count) {
    return absl::DataLossError(
        absl::StrCat(images_name, " or ", labels_name, " is shorter than its header says"));
  }
  const size_t n = limit == 0 ? count : std::min(count, limit);
  ValidationSet set{absl::StrCat(images_name, ",", labels_name), {}};
  set.examples.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // imencode only reads the pixels; Mat wants a non-const pointer.
    cv::Mat pixels_of_one(static_cast<int>(rows), static_cast<int>(cols), CV_8UC1,
                          const_cast<char*>(images.data() + 16 + i * pixels));
    std::vector<uchar> png;
    try {
      cv::imencode(".png", pixels_of_one, png);
    } catch (const cv::Exception& e) {
      return absl::InternalError(
          absl::StrCat("cannot encode image ", i, " of ", images_name, ": ", e.what()));
    }
    set.examples.push_back(
        {std::string(png.begin(), png.end()), static_cast<unsigned char>(labels[8 + i])});
  }
  return set;
}

int LabelFromFileName(absl::string_view file_name, const std::vector<std::string>& labels) {
  const std::string name = Normalized(file_name);
  int best = -1;
  size_t best_length = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string label = Normalized(labels[i]);
    if (!label.empty() && absl::StartsWith(name, label) && label.size() > best_length) {
      best = static_cast<int>(i);
      best_length = label.size();
    }
  }
  return best;
}

absl::StatusOr<std::vector<std::string>> ReadLabelFile(absl::string_view path) {
  ASSIGN_OR_RETURN(std::string text, ReadFileAtMost(std::string(path), kMaxLabelFileBytes));
  std::vector<std::string> labels = absl::StrSplit(text, '\n');
  while (!labels.empty() && absl::StripAsciiWhitespace(labels.back()).empty()) labels.pop_back();
  for (std::string& l : labels) l = std::string(absl::StripTrailingAsciiWhitespace(l));
  return labels;
}

absl::StatusOr<ValidationSet> LoadValidationSet(absl::string_view url,
                                                const std::vector<std::string>& labels,
                                                size_t limit) {
  std::vector<std::string> pair = absl::StrSplit(url, ',');
  if (pair.size() == 2) {
    ASSIGN_OR_RETURN(fs::path images, PathFromFileUrl(pair[0]));
    ASSIGN_OR_RETURN(fs::path label_file, PathFromFileUrl(pair[1]));
    return LoadIdxPair(images, label_file, limit);
  }
  ASSIGN_OR_RETURN(fs::path path, PathFromFileUrl(url));
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrCat("validation set ", path.string(),
                                            " is not a folder; give a folder or IMAGES,LABELS"));
  }
  fs::path images, label_file;
  if (FindIdxPair(path, &images, &label_file)) return LoadIdxPair(images, label_file, limit);
  return LoadImageFolder(path, labels, limit);
}

}  // namespace infaas::profiler
