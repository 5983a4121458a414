#pragma once

// The dashboard's files (src/dashboard/assets/), compiled into the master so
// that the page works offline and cannot drift from the master that serves
// it. Generated at build time by cmake/EmbedFiles.cmake.

#include <string_view>
#include <vector>

namespace infaas::dashboard {

struct Asset {
  std::string_view name;   // relative to assets/, e.g. "index.html", "views/cluster.js"
  std::string_view bytes;  // the file's contents
};

// Every file, in the order CMake listed them. Never empty.
const std::vector<Asset>& Assets();

}  // namespace infaas::dashboard
