// safetensors files (the format of the Python `safetensors` package, readable by PyTorch):
//
//   8 bytes     N, the header length, unsigned little-endian
//   N bytes     JSON: {"__metadata__": {string: string, ...},
//                      "<name>": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]}, ...}
//               padded with spaces to a multiple of 8
//   the rest    the data section: raw little-endian float32, row-major; offsets are relative
//               to its start; tensors are contiguous, without gaps, in the order written
//
// Writing is atomic (AtomicFile: temporary file, fsync, rename, folder sync). The metadata
// also gets "poolnet.crc32", the zlib CRC-32 of the data section as 8 hex digits; reading
// verifies it when present (files from other writers have none and load all the same).
// Reading validates the whole header before allocating any tensor; every problem is a
// DataError naming the file (and the tensor): header length beyond the file or above 100 MB,
// malformed JSON, a dtype other than F32, a shape whose size overflows, data_offsets out of
// range, overlapping, leaving gaps or not matching the shape, a checksum mismatch.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "framework/named_tensors.h"

namespace poolnet {

inline constexpr const char* kSafetensorsChecksumKey = "poolnet.crc32";
inline constexpr uint64_t kSafetensorsMaxHeaderBytes = uint64_t{100} << 20;

struct SafetensorsFile {
  NamedTensors tensors;                         // in data-section order
  std::map<std::string, std::string> metadata;  // "__metadata__" without the checksum entry
  bool checksum_verified = false;               // the file had "poolnet.crc32" and it matched
};

// ConfigError for duplicate, empty or reserved ("__metadata__") names, undefined tensors,
// text that is not UTF-8, or metadata that sets "poolnet.crc32" itself; IoError if the file
// cannot be written (the old file, if any, is left intact).
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// IoError if the file cannot be opened or read; DataError if it is not a valid F32 file.
SafetensorsFile load_safetensors(const std::string& path);

// Compares names and shapes. Throws DataError "<source>: ..." listing every missing name,
// every unexpected name and every shape mismatch (expected vs found); order does not matter.
void check_tensors_match(const NamedTensors& expected, const NamedTensors& found, const std::string& source);

// check_tensors_match(targets, source, source_name), then copies each source tensor's data
// into the target of the same name (e.g. a checkpoint into a model's parameters).
void copy_tensors_into(const NamedTensors& targets, const NamedTensors& source, const std::string& source_name);

}  // namespace poolnet
