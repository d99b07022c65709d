// libFuzzer target: one CIFAR-10 / CIFAR-100 batch file (fine and coarse labels).
#include <cstdint>

#include "framework/data/cifar.h"
#include "framework/errors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using poolnet::data::CifarVariant;
  static const std::string path = poolnet::fuzz::scratch_path("cifar.bin");
  poolnet::fuzz::write_scratch(path, data, size);
  for (auto [variant, coarse] : {std::pair{CifarVariant::kCifar10, false}, std::pair{CifarVariant::kCifar100, false},
                                 std::pair{CifarVariant::kCifar100, true}}) {
    try {
      poolnet::data::CifarRecords records = poolnet::data::read_cifar_file(path, variant, coarse);
      if (records.pixels.size() != records.labels.size() * 3072) __builtin_trap();
    } catch (const poolnet::DataError&) {
    } catch (const poolnet::IoError&) {
    }
  }
  return 0;
}
