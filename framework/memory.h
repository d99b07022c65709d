// Memory for float buffers: 64-byte aligned; large blocks start on a 2 MiB boundary.
#pragma once

#include <cstddef>

namespace poolnet {

// At least `bytes` bytes (a multiple of 64), never null (throws std::bad_alloc); free with
// std::free. Blocks of kLargeBlock bytes or more are 2 MiB-aligned and may use huge pages: where
// a block starts inside a page would otherwise vary from run to run, and with it how the
// kernels' buffers collide in the caches (measured: up to 15% of a convolution's time).
float* allocate_floats(size_t bytes);

inline constexpr size_t kLargeBlock = size_t{1} << 20;

}  // namespace poolnet
