// Writing a data file so that readers never see half of it: the bytes go to a temporary file
// in the same folder, which is then renamed over the destination.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace poolnet::data {

// Writes `bytes` to `path` (gzip-compressed when `gzip`), atomically. Throws IoError.
void write_file_atomically(const std::filesystem::path& path, std::span<const uint8_t> bytes, bool gzip = false);

}  // namespace poolnet::data
