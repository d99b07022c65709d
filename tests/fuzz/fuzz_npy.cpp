// libFuzzer target: the .npy reader (framework/data/npy.h), whole arrays and a row range, and the
// integer conversion. Only DataError and IoError are expected; anything else (another exception,
// a sanitizer report, a result whose size disagrees with its shape) is a finding.
#include <cstdint>

#include "framework/data/npy.h"
#include "framework/errors.h"
#include "tests/fuzz/fuzz_input.h"

namespace {
// prod(shape) * item_bytes must be the number of bytes read.
void check(const poolnet::data::NpyArray& array) {
  uint64_t count = 1;
  for (int64_t d : array.shape) count *= static_cast<uint64_t>(d);
  if (array.bytes.size() != count * static_cast<uint64_t>(array.header.item_bytes)) __builtin_trap();
  if (poolnet::data::npy_integers(array).size() != count) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = poolnet::fuzz::scratch_path("npy");
  poolnet::fuzz::write_scratch(path, data, size);
  try {
    const poolnet::data::NpyArray whole = poolnet::data::read_npy(path);
    check(whole);
    if (!whole.shape.empty() && whole.shape[0] > 0) check(poolnet::data::read_npy_rows(path, whole.shape[0] / 2, 1));
  } catch (const poolnet::DataError&) {
  } catch (const poolnet::IoError&) {
  }
  return 0;
}
