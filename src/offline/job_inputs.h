#pragma once

// What an offline job reads and writes: the inputs found in its input
// folder and the result file each one gets.
//
//   ASSIGN_OR_RETURN(FolderHandle in, OpenInputFolder(roots, "/data/in", job.tenant()));
//   ASSIGN_OR_RETURN(JobInputs inputs, ListJobInputs(in, /*raw_output=*/false));
//   for (const JobInput& in : inputs.items) Process(in.name, in.output_name);
//   for (const v1::OfflineItemFailure& f : inputs.rejected) Record(f);
//
// Inputs are the regular files directly in the folder (not in subfolders;
// hidden files, whose names start with '.', are skipped), sorted by name:
//   *.png, *.jpg, *.jpeg (any case)  an encoded image;
//   *.f32, *.raw                      little-endian float32 values of one
//                                     example, shaped like the variant's input.
// Anything else is rejected with the reason, and so is an input whose result
// name another input (sorted earlier) or the job's summary file already
// takes. Result names: <stem>.json, or <stem>.f32 for raw output.
//
// Every file is read and written through a FolderHandle opened beneath the
// job roots (common/path_roots.h): a link swapped in after submission
// cannot lead the job outside them.
//
// Functions of the file system; thread-safe.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/folder_handle.h"
#include "common/path_roots.h"
#include "infaas/v1/catalogue.pb.h"

namespace infaas::offline {

// Written into the output folder when a job ends: the job record as JSON.
inline constexpr absl::string_view kSummaryFileName = "infaas-summary.json";

// The largest input file a job reads (what one gRPC message to a worker may
// carry); larger ones are rejected with the reason.
inline constexpr int64_t kMaxInputFileBytes = int64_t{64} << 20;

enum class InputKind { kImage, kRawTensor };

struct JobInput {
  std::string name;  // file name inside the input folder
  InputKind kind = InputKind::kImage;
  std::string output_name;  // file name inside the output folder
};

struct JobInputs {
  std::vector<JobInput> items;                   // sorted by name
  std::vector<v1::OfflineItemFailure> rejected;  // not inputs, or clashing names
  int64_t total() const { return static_cast<int64_t>(items.size() + rejected.size()); }
};

// The kind a file name's extension stands for; InvalidArgument, naming the
// accepted extensions, for any other name.
absl::StatusOr<InputKind> InputKindOf(absl::string_view file_name);

// The result file's name for an input: its stem plus ".json", or ".f32"
// when the job writes raw outputs.
std::string OutputNameFor(absl::string_view input_name, bool raw_output);

// The input folder `folder`, opened beneath `roots` (`tenant`'s share of
// them for a user's job): PermissionDenied outside them, NotFound or
// InvalidArgument naming it when it is missing or not a folder.
absl::StatusOr<FolderHandle> OpenInputFolder(const PathRoots& roots,
                                             const std::filesystem::path& folder,
                                             absl::string_view tenant);

// The output folder `folder`, opened beneath `roots` as above and made when
// missing; FailedPrecondition when it cannot be.
absl::StatusOr<FolderHandle> OpenOutputFolder(const PathRoots& roots,
                                              const std::filesystem::path& folder,
                                              absl::string_view tenant);

// Lists `folder` as described above; PermissionDenied/Internal when it
// cannot be read.
absl::StatusOr<JobInputs> ListJobInputs(const FolderHandle& folder, bool raw_output);

// ListJobInputs of a folder named by path (no roots): tools and tests.
absl::StatusOr<JobInputs> ListJobInputs(const std::filesystem::path& folder, bool raw_output);

}  // namespace infaas::offline
