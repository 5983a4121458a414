// Fuzzes the idx validation-set reader (src/profiler/validation_set): an
// idx3 image file and an idx1 label file, as Fashion-MNIST publishes them.
// Input: two bytes that give the image file's length, the image file, then
// the label file.
#include <cstddef>
#include <cstdint>

#include "profiler/validation_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t images_length = std::min<size_t>(data[0] | (size_t{data[1]} << 8), size - 2);
  const absl::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  (void)infaas::profiler::ParseIdxPair(rest.substr(0, images_length), rest.substr(images_length),
                                       "images", "labels", /*limit=*/4);
  return 0;
}
