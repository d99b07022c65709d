#include "experiments/train/progress.h"

#include <atomic>
#include <cstdio>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace poolnet {

namespace {
std::atomic<bool> g_log_lines{false};

std::string clock_text(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}
}  // namespace

Progress::Progress(bool quiet, std::string label)
    : quiet_(quiet), terminal_(!g_log_lines && isatty(fileno(stderr)) != 0), label_(std::move(label)) {}

void Progress::use_log_lines() { g_log_lines = true; }

void Progress::start_epoch(int64_t epoch, int64_t epochs, int64_t batches, int64_t first_batch) {
  epoch_ = epoch;
  epochs_ = epochs;
  batches_ = batches;
  first_batch_ = first_batch;
  images_ = 0;
  next_log_ = first_batch + std::max<int64_t>(1, batches / 10);
  start_ = std::chrono::steady_clock::now();
}

void Progress::update(int64_t batch, int64_t images, double loss, double accuracy) {
  if (quiet_) return;
  images_ += images;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(images_) / elapsed : 0.0;
  const int64_t done = batch + 1 - first_batch_, left = batches_ - batch - 1;
  const double eta = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(left) : 0.0;
  if (terminal_) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * (batch + 1) / std::max<int64_t>(batches_, 1));
    std::fprintf(stderr, "\r%s epoch %lld/%lld [%s%s] %lld/%lld  %.0f img/s  loss %.4f  acc %.4f  ETA %s \x1b[K",
                 label_.c_str(), static_cast<long long>(epoch_ + 1), static_cast<long long>(epochs_),
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(kWidth - filled), '.').c_str(), static_cast<long long>(batch + 1),
                 static_cast<long long>(batches_), rate, loss, accuracy, clock_text(eta).c_str());
    std::fflush(stderr);
  } else if (batch + 1 >= next_log_ && batch + 1 < batches_) {
    spdlog::info("{} epoch {}/{} batch {}/{}: {:.0f} img/s, loss {:.4f}, acc {:.4f}, ETA {}", label_, epoch_ + 1, epochs_,
                 batch + 1, batches_, rate, loss, accuracy, clock_text(eta));
    next_log_ += std::max<int64_t>(1, batches_ / 10);
  }
}

void Progress::end_epoch(const std::string& summary) {
  if (quiet_) return;
  if (terminal_) std::fprintf(stderr, "\r\x1b[K");
  spdlog::info("{} {}", label_, summary);
}

}  // namespace poolnet
