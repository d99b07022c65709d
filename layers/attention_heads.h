// The attention-pooling heads, x [N, C, H, W] -> [N, C] (ops: framework/ops/attention_pool.h).
// Both keep the attention weights of their latest forward, [N, heads, H, W], for pictures of
// where the model looks.
//
// SimPool2d (Psomas et al., ICCV 2023, "Keep It SimPool"; as timm's SimPool2d in
// pytorch-image-models, timm/layers/other_pool.py, with gamma = 2 for CNNs): tokens t_l (the
// map's positions), query q = Wq mean_l(t_l), keys k_l = Wk LN(t_l), values LN(t_l) shifted per
// channel to be positive and raised to gamma; out = (attention-weighted sum)^(1/gamma).
// Children: norm (LayerNorm), q, k (Linear without bias).
//
// AttentionPool2d (CLIP's attention pooling, Radford et al. 2021, openai/CLIP clip/model.py
// `AttentionPool2d`): tokens [mean_l t_l, t_1 .. t_L] plus a learned position embedding
// [L+1, C] (normal, std 1/sqrt(C)); multi-head attention with the first token as the only query
// (q_proj, k_proj, v_proj with bias), then c_proj. The embedding fixes H*W: another map size is a
// ShapeError. Children: k_proj, q_proj, v_proj, c_proj (registered in CLIP's order).
#pragma once

#include <memory>

#include "layers/layer_norm.h"
#include "layers/linear.h"

namespace poolnet {

class AttentionHead : public Module {
 public:
  // [N, heads, H, W] from the latest forward; undefined before the first.
  const Tensor& attention() const { return attention_; }
  std::vector<Window> windows() const override { return {Window{.global = true}}; }

 protected:
  Tensor attention_;
};

class SimPool2d : public AttentionHead {
 public:
  SimPool2d(int64_t channels, int64_t heads, uint64_t seed);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "SimPool2d(channels=16, heads=1, gamma=2)"
  ModuleConfig config() const override;

 private:
  int64_t channels_, heads_;
  std::shared_ptr<LayerNorm> norm_;
  std::shared_ptr<Linear> q_, k_;
};

class AttentionPool2d : public AttentionHead {
 public:
  AttentionPool2d(int64_t channels, Size2d size, int64_t heads, uint64_t seed);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "AttentionPool2d(channels=16, size=5x5, heads=1)"
  ModuleConfig config() const override;

 private:
  int64_t channels_;
  Size2d size_;
  int64_t heads_;
  Tensor position_;
  std::shared_ptr<Linear> k_proj_, q_proj_, v_proj_, c_proj_;
};

}  // namespace poolnet
