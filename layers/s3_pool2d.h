// S3Pool2d (Zhai et al. 2017; op: s3_pool2d): max pooling with kernel 2 and stride 1, then, in
// training, a random sorted choice of grid/stride rows and columns from each grid of `grid` rows
// (columns), drawn anew on every call for the whole batch, reproducibly from (seed, call counter,
// axis, grid) whatever the thread count; the counter is a registered counter, so a resumed run
// draws the same rows. Evaluation averages the max map over stride x stride windows (padding
// stride/2, excluded): deterministic, as the authors' code. No parameters.
#pragma once

#include "framework/ops/s3_pool.h"
#include "layers/module.h"

namespace poolnet {

struct S3Pool2dOptions {
  Size2d stride{2, 2};  // the sampling ratio per axis, >= 1
  Size2d grid{0, 0};    // grid size per axis (>= stride); {0, 0}: the stride
  uint64_t seed = 0;    // training draws
};

class S3Pool2d : public Module {
 public:
  explicit S3Pool2d(S3Pool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "S3Pool2d(stride=2x2)", "S3Pool2d(stride=2x2, grid=4x4)"
  ModuleConfig config() const override;
  // The evaluation windows, exact: max 2x2 stride 1, then the average over stride x stride
  // windows with padding stride/2. Training samples one row per grid/stride rows of each grid
  // instead (the same mean stride).
  std::vector<Window> windows() const override;
  const S3Pool2dOptions& options() const { return options_; }
  uint64_t calls() const { return calls_; }  // training forwards so far

 private:
  S3Pool2dOptions options_;
  uint64_t calls_ = 0;
};

}  // namespace poolnet
