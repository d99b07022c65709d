// A 64-byte-aligned scratch buffer that only grows, for kernels that reuse working memory
// across calls (one per thread: `thread_local ScratchBuffer`).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "framework/memory.h"

namespace poolnet {

class ScratchBuffer {
 public:
  // At least n floats; the contents are unspecified.
  float* get(int64_t n) {
    if (n > size_) {
      data_.reset(allocate_floats(static_cast<size_t>(n) * sizeof(float)));
      size_ = n;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  int64_t size_ = 0;
};

}  // namespace poolnet
