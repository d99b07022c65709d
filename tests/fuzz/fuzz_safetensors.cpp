// libFuzzer target: the safetensors reader. A file it accepts must round-trip through the
// writer and load again with the same names, shapes and metadata.
#include <cstdint>
#include <cstring>

#include "framework/errors.h"
#include "framework/io/safetensors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = poolnet::fuzz::scratch_path("model.safetensors");
  static const std::string copy = poolnet::fuzz::scratch_path("copy.safetensors");
  poolnet::fuzz::write_scratch(path, data, size);
  poolnet::SafetensorsFile file;
  try {
    file = poolnet::load_safetensors(path);
  } catch (const poolnet::DataError&) {
    return 0;
  } catch (const poolnet::IoError&) {
    return 0;
  }
  try {
    poolnet::save_safetensors(copy, file.tensors, file.metadata);
  } catch (const poolnet::ConfigError&) {
    return 0;  // names the writer refuses (e.g. not UTF-8) are the writer's rule, not a bug
  }
  poolnet::SafetensorsFile again = poolnet::load_safetensors(copy);
  if (!again.checksum_verified || again.metadata != file.metadata) __builtin_trap();
  poolnet::check_tensors_match(file.tensors, again.tensors, copy);
  return 0;
}
