// ApsPool2d: adaptive polyphase sampling (Chaman & Dokmanić 2021; op: aps_downsample), optionally
// preceded by a stride-1 binomial blur (their "APS + LPF" variant, spec `aps_blur`). No parameters.
// The phases chosen by the latest forward stay available, so a residual shortcut can downsample
// with the same choice (aps_select(shortcut, pool.last_phases(), stride)).
#pragma once

#include <vector>

#include "framework/ops/aps.h"
#include "framework/ops/blur_pool.h"
#include "layers/module.h"
#include "layers/polyphase_choice.h"

namespace poolnet {

struct ApsPool2dOptions {
  Aps aps{};
  int64_t blur_filter = 0;  // 0: no blur; 1..7: binomial filter size of the blur before APS
  PadMode blur_padding = PadMode::kCircular;
};

class ApsPool2d : public Module, public PolyphaseChoice {
 public:
  explicit ApsPool2d(ApsPool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  // "ApsPool2d(stride=2, norm=l2)" or "ApsPool2d(stride=2, norm=l2, blur=3, padding=circular)"
  std::string describe() const override;
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const ApsPool2dOptions& options() const { return options_; }
  const std::vector<int64_t>& last_phases() const { return last_phases_; }
  Tensor follow(const Tensor& t) const override;
  Blur2d stride_one_blur() const;  // the blur before the selection (blur_filter > 0)

 private:
  ApsPool2dOptions options_;
  std::vector<int64_t> last_phases_;
};

}  // namespace poolnet
