// Counting multiply-accumulates. Ops that do arithmetic proportional to their weights
// (conv2d, linear, matmul, blur filters) report it once per call; a MacCounter collects what
// runs while it lives. Used by the model summary (`poolnet inspect`).
#pragma once

#include <cstdint>

namespace poolnet {

void count_macs(int64_t n);

class MacCounter {
 public:
  MacCounter();
  ~MacCounter();
  MacCounter(const MacCounter&) = delete;
  MacCounter& operator=(const MacCounter&) = delete;
  int64_t count() const;

 private:
  int64_t start_;
};

}  // namespace poolnet
