// Conv2d: a learnable 2-D convolution (PyTorch nn.Conv2d), composing framework/ops/conv2d.
//   x [N, in_channels, H, W] -> [N, out_channels, OH, OW]
// Parameters: weight [out, in/groups, KH, KW], bias [out] (unless bias = false), initialised
// as PyTorch does (layers/init.h) from the constructor's seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/ops/conv2d.h"
#include "layers/module.h"

namespace poolnet {

class Conv2d : public Module {
 public:
  struct Options {
    int64_t in_channels = 0;
    int64_t out_channels = 0;
    Size2d kernel{3, 3};
    Size2d stride{1, 1};
    Size2d padding{0, 0};
    bool same = false;  // 'same' padding (stride 1 only)
    Size2d dilation{1, 1};
    int64_t groups = 1;
    bool bias = true;
    PadMode padding_mode = PadMode::kZeros;
  };

  // Throws ConfigError for channel counts, kernel, stride or groups that cannot work.
  Conv2d(Options options, uint64_t seed);

  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "Conv2d(1, 6, kernel=5x5, stride=1x1, padding=2x2)"
  ModuleConfig config() const override;
  // One window: kernel, stride, dilation and the padding before the first row/column
  // ('same': dilation*(kernel-1)/2).
  std::vector<Window> windows() const override;

  const Options& options() const { return options_; }
  Conv2dOptions op_options() const;
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  // undefined without bias

 private:
  Options options_;
  Tensor weight_, bias_;
};

}  // namespace poolnet
