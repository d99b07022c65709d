// NumPy .npy files (format versions 1.0, 2.0 and 3.0), as written by numpy.save: the official
// MNIST-C and CIFAR-10-C corruption sets (docs/metrics.md, "Corruption files").
//
//   bytes 0-5: magic \x93NUMPY; bytes 6-7: version (major 1, 2 or 3; minor 0);
//   then the header length, little-endian: 2 bytes (version 1) or 4 bytes (versions 2 and 3);
//   then the header: a Python dict literal with exactly the keys 'descr' (the dtype string),
//   'fortran_order' (True or False) and 'shape' (a tuple of non-negative integers), padded with
//   spaces and ending in a newline; then prod(shape) * itemsize bytes of data, C order.
//
// Supported dtypes: |u1 and <u1 (uint8), <i4 (int32), <i8 (int64). Strict: a bad magic or
// version, a header that is not such a dict (unknown, missing or repeated keys, a value of the
// wrong kind, anything after the closing brace but padding), an unsupported dtype,
// fortran_order True, a shape whose size exceeds kNpyMaxDataBytes, and a file holding fewer
// (truncated) or more (trailing data) bytes than the shape claims are all a DataError that
// starts "npy: <path>: ". Everything is checked against the file size before data is allocated.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace poolnet::data {

// Upper bound on an .npy file's data (4 GiB): larger shapes are rejected as corrupt.
inline constexpr uint64_t kNpyMaxDataBytes = uint64_t{1} << 32;
// Upper bound on the header's length (numpy writes a few hundred bytes at most).
inline constexpr uint64_t kNpyMaxHeaderBytes = uint64_t{1} << 16;

enum class NpyDtype { kUint8, kInt32, kInt64 };

struct NpyHeader {
  int version = 1;    // the major version: 1, 2 or 3
  std::string descr;  // as written: "|u1", "<u1", "<i4", "<i8"
  NpyDtype dtype = NpyDtype::kUint8;
  int64_t item_bytes = 1;
  std::vector<int64_t> shape;  // e.g. {10000, 28, 28, 1}; {} for a scalar
  uint64_t data_offset = 0;    // where the data starts in the file
};

struct NpyArray {
  NpyHeader header;
  std::vector<int64_t> shape;  // the shape read: header.shape, with rows read along axis 0
  std::vector<uint8_t> bytes;  // prod(shape) * item_bytes bytes, little-endian, C order
};

// Reads and validates the header, and checks the file's size against it.
NpyHeader read_npy_header(const std::filesystem::path& path);
// Reads the whole array.
NpyArray read_npy(const std::filesystem::path& path);
// Reads rows [first, first + count) along axis 0 (DataError when they are not all in the file
// or the array has no axis).
NpyArray read_npy_rows(const std::filesystem::path& path, int64_t first, int64_t count);

// The array's values as int64, whatever its integer dtype.
std::vector<int64_t> npy_integers(const NpyArray& array);

// The bytes of an .npy file (version 1.0, or 2.0 when the header needs it) holding `bytes` as
// `descr` with `shape`: what numpy.save writes, for tests and tools.
std::vector<uint8_t> npy_file_bytes(const std::string& descr, std::span<const int64_t> shape,
                                    std::span<const uint8_t> bytes);

}  // namespace poolnet::data
