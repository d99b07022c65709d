// libFuzzer target: the downsampling strategy spec parser. An accepted spec must print in its
// canonical spelling and parse back to the same spec.
#include <cstdint>
#include <string_view>

#include "framework/errors.h"
#include "layers/downsample.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  poolnet::DownsampleSpec spec;
  try {
    spec = poolnet::parse_downsample(text);
  } catch (const poolnet::ConfigError&) {
    return 0;
  }
  const std::string canonical = poolnet::to_string(spec);
  if (!(poolnet::parse_downsample(canonical) == spec)) __builtin_trap();
  return 0;
}
