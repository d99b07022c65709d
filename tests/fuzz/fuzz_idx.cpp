// libFuzzer target: the IDX reader (raw and gzip) at rank 1 and rank 3. Only DataError and
// IoError are expected; anything else (another exception, a sanitizer report) is a finding.
#include <cstdint>

#include "framework/data/idx.h"
#include "framework/errors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = poolnet::fuzz::scratch_path("idx");
  poolnet::fuzz::write_scratch(path, data, size);
  for (int64_t rank : {1, 3}) {
    try {
      poolnet::data::IdxArray array = poolnet::data::read_idx(path, rank);
      int64_t count = 1;
      for (int64_t d : array.dims) count *= d;
      if (static_cast<int64_t>(array.data.size()) != count) __builtin_trap();
    } catch (const poolnet::DataError&) {
    } catch (const poolnet::IoError&) {
    }
  }
  return 0;
}
