#include "layers/attention_heads.h"

#include <fmt/format.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/attention_pool.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/random.h"

namespace poolnet {

namespace {
constexpr float kSimPoolGamma = 2.0f;
constexpr uint64_t kHeadStream = 0x68656164ULL;  // "head"

void require_heads(const char* layer, int64_t channels, int64_t heads) {
  if (channels < 1 || heads < 1 || channels % heads != 0) {
    throw ConfigError(fmt::format("{}: heads must divide the channels (both >= 1), got {} channels and {} heads", layer,
                                  channels, heads));
  }
}

std::shared_ptr<Linear> square_linear(int64_t channels, bool bias, uint64_t seed, uint64_t index) {
  return std::make_shared<Linear>(Linear::Options{.in_features = channels, .out_features = channels, .bias = bias},
                                  stream_id(seed, kHeadStream, index));
}

// A Linear applied to every token of [N, L, C].
Tensor per_token(Linear& linear, const Tensor& tokens) {
  const int64_t N = tokens.size(0), L = tokens.size(1), C = tokens.size(2);
  return reshape(linear.forward(reshape(tokens, {N * L, C})), {N, L, C});
}
}  // namespace

SimPool2d::SimPool2d(int64_t channels, int64_t heads, uint64_t seed) : channels_(channels), heads_(heads) {
  require_heads("SimPool2d", channels, heads);
  norm_ = register_module("norm", std::make_shared<LayerNorm>(channels));
  q_ = register_module("q", square_linear(channels, false, seed, 0));
  k_ = register_module("k", square_linear(channels, false, seed, 1));
}

Tensor SimPool2d::forward(const Tensor& x) {
  const Tensor tokens = to_tokens(x);
  const Tensor normed = norm_->forward(tokens);
  const AttentionPoolResult r = attention_pool(q_->forward(mean(tokens, {1})), per_token(*k_, normed),
                                               shifted_power(normed, kSimPoolGamma), heads_);
  attention_ = reshape(r.weights, {x.size(0), heads_, x.size(2), x.size(3)});
  return pow(r.out, 1.0f / kSimPoolGamma);
}

std::string SimPool2d::describe() const {
  return fmt::format("SimPool2d(channels={}, heads={}, gamma={:g})", channels_, heads_, kSimPoolGamma);
}

ModuleConfig SimPool2d::config() const { return {"SimPool2d", {{"channels", channels_}, {"heads", heads_}}}; }

AttentionPool2d::AttentionPool2d(int64_t channels, Size2d size, int64_t heads, uint64_t seed)
    : channels_(channels), size_(size), heads_(heads) {
  require_heads("AttentionPool2d", channels, heads);
  if (size.h < 1 || size.w < 1) {
    throw ConfigError(fmt::format("AttentionPool2d: needs a map of at least 1x1, got {}", to_string(size)));
  }
  position_ = register_parameter("positional_embedding", Tensor::normal({size.h * size.w + 1, channels}, 0.0f,
                                                                        1.0f / std::sqrt(static_cast<float>(channels)),
                                                                        stream_id(seed, kHeadStream, 4)));
  k_proj_ = register_module("k_proj", square_linear(channels, true, seed, 0));
  q_proj_ = register_module("q_proj", square_linear(channels, true, seed, 1));
  v_proj_ = register_module("v_proj", square_linear(channels, true, seed, 2));
  c_proj_ = register_module("c_proj", square_linear(channels, true, seed, 3));
}

Tensor AttentionPool2d::forward(const Tensor& x) {
  require_nchw(x.shape(), "AttentionPool2d");
  if (x.size(1) != channels_ || x.size(2) != size_.h || x.size(3) != size_.w) {
    throw ShapeError(
        fmt::format("AttentionPool2d: built for [N, {}, {}, {}] (its position embedding fixes the map "
                    "size), got x={}",
                    channels_, size_.h, size_.w, shape_str(x.shape())));
  }
  const int64_t N = x.size(0), L = size_.h * size_.w;
  const Tensor tokens = to_tokens(x);
  const Tensor all = add(concat({mean(tokens, {1}, true), tokens}, 1), position_);  // [N, L+1, C]
  const AttentionPoolResult r = attention_pool(q_proj_->forward(reshape(narrow(all, 1, 0, 1), {N, channels_})),
                                               per_token(*k_proj_, all), per_token(*v_proj_, all), heads_);
  attention_ = reshape(narrow(r.weights, 2, 1, L), {N, heads_, size_.h, size_.w});
  return c_proj_->forward(r.out);
}

std::string AttentionPool2d::describe() const {
  return fmt::format("AttentionPool2d(channels={}, size={}, heads={})", channels_, to_string(size_), heads_);
}

ModuleConfig AttentionPool2d::config() const {
  return {"AttentionPool2d", {{"channels", channels_}, {"size", size_}, {"heads", heads_}}};
}

}  // namespace poolnet
