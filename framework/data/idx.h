// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed (recognised by content:
// the gzip magic bytes 1f 8b, whatever the file is called).
//
//   bytes 0-1: 0 0; byte 2: dtype (only 0x08 = unsigned byte is supported); byte 3: rank;
//   then `rank` big-endian uint32 dimensions; then the prod(dims) payload bytes, row-major.
//
// Everything is validated before the payload is allocated: magic, dtype, rank, non-zero
// dimensions, the payload size against kIdxMaxPayloadBytes and, for raw files, against the
// file size. A gzip file's uncompressed size is unknown up front, so it is read in chunks and
// the buffer grows only as data actually arrives (the gzip trailer's size is trusted for one
// allocation only when the compressed size could expand that far); a short or over-long stream
// is an error.
// Every problem is a DataError that starts "idx: <path>: ".
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace poolnet::data {

// Upper bound on an IDX payload (4 GiB): larger headers are rejected as corrupt.
inline constexpr uint64_t kIdxMaxPayloadBytes = uint64_t{1} << 32;

struct IdxArray {
  std::vector<int64_t> dims;  // e.g. {60000, 28, 28}
  std::vector<uint8_t> data;  // prod(dims) bytes, row-major
};

// Reads an unsigned-byte IDX file of the given rank. `what` names the first dimension in
// messages ("images", "labels").
IdxArray read_idx(const std::filesystem::path& path, int64_t rank, const char* what = "items");

// read_idx(path, 3, "images"): {count, rows, cols}.
IdxArray read_idx_images(const std::filesystem::path& path);
// read_idx(path, 1, "labels"): {count}.
IdxArray read_idx_labels(const std::filesystem::path& path);

// Writes an unsigned-byte IDX file atomically (a temporary file in the same folder, then
// rename), gzip-compressed when `gzip` is true. Throws IoError when it cannot write.
void write_idx(const std::filesystem::path& path, std::span<const int64_t> dims, std::span<const uint8_t> data,
               bool gzip = false);

}  // namespace poolnet::data
