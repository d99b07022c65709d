#include "framework/parallel.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <tbb/global_control.h>

namespace poolnet::parallel {

namespace {
std::mutex g_mutex;
std::unique_ptr<tbb::global_control> g_control;
std::atomic<int> g_threads{0};

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}
}  // namespace

void set_num_threads(int n) {
  std::lock_guard lock(g_mutex);
  g_threads = n <= 0 ? hardware_threads() : n;
  g_control.reset();
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<size_t>(g_threads));
}

int num_threads() {
  if (g_threads == 0) {
    return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  }
  return g_threads;
}

}  // namespace poolnet::parallel
