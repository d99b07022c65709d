#include "framework/profile.h"

#include <atomic>

namespace poolnet {

namespace {
std::atomic<int64_t> g_macs{0};
std::atomic<int> g_counters{0};
}  // namespace

void count_macs(int64_t n) {
  if (g_counters.load(std::memory_order_relaxed) > 0) g_macs.fetch_add(n, std::memory_order_relaxed);
}

MacCounter::MacCounter() : start_(g_macs.load()) { g_counters.fetch_add(1); }
MacCounter::~MacCounter() { g_counters.fetch_sub(1); }
int64_t MacCounter::count() const { return g_macs.load() - start_; }

}  // namespace poolnet
