#include "framework/parallel.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

// ThreadSanitizer builds compile this file without instrumentation (framework/CMakeLists.txt),
// so oneTBB's scheduler code, its templates included, stays as invisible to ThreadSanitizer
// as Debian's uninstrumented libtbb, instead of being half seen. In exchange run_chunks states
// what tbb::parallel_for guarantees: everything the caller did before the call happens before
// every chunk, and every chunk happens before the call returns. Chunks stay unordered among
// themselves, so two chunks touching the same memory are still reported.
#ifdef POOLNET_TSAN_FORK_JOIN
#include <sanitizer/tsan_interface.h>
#endif

namespace poolnet::parallel {

namespace {
std::mutex g_mutex;
std::unique_ptr<tbb::global_control> g_control;
std::atomic<int> g_threads{0};
std::atomic<int> g_requested{0};
thread_local int t_depth = 0;  // parallel regions this thread is inside

// Counts the calling thread into a parallel region for its lifetime.
struct InRegion {
  InRegion() { ++t_depth; }
  ~InRegion() { --t_depth; }
  InRegion(const InRegion&) = delete;
  InRegion& operator=(const InRegion&) = delete;
};

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}
#ifdef POOLNET_TSAN_FORK_JOIN
void happens_before(const char* token) { __tsan_release(const_cast<char*>(token)); }
void happens_after(const char* token) { __tsan_acquire(const_cast<char*>(token)); }
#else
void happens_before(const char*) {}
void happens_after(const char*) {}
#endif
}  // namespace

namespace detail {
void run_chunks(int64_t chunks, ChunkFn chunk, const void* context) {
  char fork = 0, join = 0;  // only their addresses matter
  const InRegion caller;
  happens_before(&fork);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, chunks, 1), [&](const tbb::blocked_range<int64_t>& r) {
    happens_after(&fork);
    const InRegion worker;
    chunk(context, r.begin(), r.end());
    happens_before(&join);
  }, tbb::simple_partitioner());
  happens_after(&join);
}
}  // namespace detail

void set_num_threads(int n) {
  std::lock_guard lock(g_mutex);
  g_threads = n <= 0 ? hardware_threads() : n;
  g_control.reset();
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<size_t>(g_threads));
}

void request_num_threads(int n) { g_requested.store(n <= 0 ? -1 : n, std::memory_order_relaxed); }

int num_threads() {
  if (t_depth == 0 && g_requested.load(std::memory_order_relaxed) != 0) {
    const int n = g_requested.exchange(0);
    if (n != 0) set_num_threads(n);
  }
  if (g_threads == 0) {
    return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  }
  return g_threads;
}

}  // namespace poolnet::parallel
