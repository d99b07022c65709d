// Small text helpers for messages and reports.
#pragma once

#include <cstdint>
#include <string>

namespace poolnet {

// "1 epoch", "3 epochs" (nouns that take an s).
inline std::string count_of(int64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace poolnet
