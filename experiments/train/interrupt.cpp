#include "experiments/train/interrupt.h"

#include <atomic>
#include <csignal>

namespace poolnet {

namespace {
std::atomic<bool> g_requested{false};

extern "C" void on_signal(int sig) {
  if (g_requested.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}
}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return g_requested.load(std::memory_order_relaxed); }

}  // namespace poolnet
