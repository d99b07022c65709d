// Learning-rate schedules as pure functions of the step index: lr_at(schedule, t) is the
// learning rate for the optimizer step numbered t (0, 1, ...), i.e. PyTorch's
// param_groups[0]["lr"] after t calls of scheduler.step(). A resumed run needs no schedule
// state, only its step count.
//
//   constant    lr
//   step        lr * gamma^floor(t / step_size)                               (StepLR)
//   cosine      min_lr + (lr - min_lr) * (1 + cos(pi * t / total_steps)) / 2,
//               then min_lr from total_steps on                          (CosineAnnealingLR)
//   one_cycle   OneCycleLR with cosine annealing (momentum is not cycled): from
//               max_lr / div_factor up to max_lr over pct_start * total_steps - 1 steps,
//               then down to max_lr / (div_factor * final_div_factor) at total_steps - 1,
//               and that final value afterwards (PyTorch raises there instead)
//   warm-up     multiplies any of them by start_factor + (1 - start_factor) * min(t, steps) / steps
//               (LinearLR(start_factor, end_factor=1, total_iters=steps) in a ChainedScheduler)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace poolnet {

struct ConstantLr {
  double lr = 0.01;
};

struct StepLr {
  double lr = 0.01;
  int64_t step_size = 1;
  double gamma = 0.1;
};

struct CosineLr {
  double lr = 0.01;
  double min_lr = 0.0;
  int64_t total_steps = 1;
};

struct OneCycleLr {
  double max_lr = 0.01;
  int64_t total_steps = 1;
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
};

struct LinearWarmup {
  int64_t steps = 0;  // 0: no warm-up
  double start_factor = 1.0 / 3.0;
};

struct Schedule {
  std::variant<ConstantLr, StepLr, CosineLr, OneCycleLr> curve = ConstantLr{};
  LinearWarmup warmup = {};
};

// ConfigError naming the schedule and the field for: a negative or non-finite rate, step_size,
// total_steps < 1, gamma <= 0, min_lr > lr, pct_start outside [0, 1], a division factor <= 0,
// negative warm-up steps or a start_factor outside [0, 1].
void validate_schedule(const Schedule& schedule);
// Validates, then evaluates at step t >= 0 (ConfigError for t < 0).
double lr_at(const Schedule& schedule, int64_t step);
// "cosine(lr=0.1, min_lr=0, total_steps=1000) + warmup(steps=100, start_factor=0.333333)"
std::string describe(const Schedule& schedule);

// Builds a schedule from a spec string "name[:key=value,...]" — names constant, step, cosine,
// one_cycle; keys: step_size, gamma (step), min_lr (cosine), pct_start, div_factor,
// final_div_factor (one_cycle), warmup, warmup_start_factor (all). `lr` is the base (for
// one_cycle: the maximum) rate; `total_steps` the length of the run. ConfigError for an
// unknown name or key (listing the valid ones) or a malformed value.
Schedule parse_schedule(std::string_view spec, double lr, int64_t total_steps);

}  // namespace poolnet
