// Training feedback: on a terminal, a progress bar redrawn in place (images/s, loss, accuracy,
// ETA); otherwise a plain log line (spdlog) every tenth of an epoch; nothing when quiet.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace poolnet {

class Progress {
 public:
  Progress(bool quiet, std::string label);
  void start_epoch(int64_t epoch, int64_t epochs, int64_t batches, int64_t first_batch);
  void update(int64_t batch, int64_t images, double loss, double accuracy);
  void end_epoch(const std::string& summary);
  // Log lines instead of a bar redrawn in place, even on a terminal (for processes that share
  // one terminal, as the workers of `ablate --jobs` do).
  static void use_log_lines();

 private:
  bool quiet_;
  bool terminal_;
  std::string label_;
  int64_t epoch_ = 0, epochs_ = 0, batches_ = 0, first_batch_ = 0, images_ = 0;
  int64_t next_log_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace poolnet
