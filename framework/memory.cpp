#include "framework/memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace poolnet {

float* allocate_floats(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t alignment = bytes >= kLargeBlock ? kHugePage : 64;
  const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  if (alignment == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);
  return static_cast<float*>(p);
}

}  // namespace poolnet
