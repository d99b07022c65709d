#include "layers/lps_pool2d.h"

#include <fmt/format.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/aps.h"
#include "framework/ops/blur_pool.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/softmax.h"
#include "framework/random.h"
#include "layers/pool_window.h"

namespace poolnet {

namespace {

Conv2d::Options scorer_conv(int64_t in, int64_t out) {
  return {.in_channels = in, .out_channels = out, .kernel = {3, 3}, .same = true, .padding_mode = PadMode::kCircular};
}

int64_t phase_count(Size2d stride) { return stride.h * stride.w; }

// Per row of logits [N, P]: the index of the largest value; ties: the lowest; a NaN wins.
std::vector<int64_t> arg_max_rows(const Tensor& logits) {
  const int64_t N = logits.size(0), P = logits.size(1);
  std::vector<int64_t> out(static_cast<size_t>(N), 0);
  for (int64_t n = 0; n < N; ++n) {
    const float* row = logits.data() + n * P;
    int64_t best = 0;
    for (int64_t p = 1; p < P && !std::isnan(row[best]); ++p) {
      if (std::isnan(row[p]) || row[p] > row[best]) best = p;
    }
    out[static_cast<size_t>(n)] = best;
  }
  return out;
}

}  // namespace

Tensor lps_gumbel_noise(int64_t N, int64_t P, uint64_t seed, uint64_t step) {
  Tensor g = Tensor::empty({N, P});
  float* out = g.data();
  for (int64_t n = 0; n < N; ++n) {
    const RandomStream rng(seed, stream_id(step, static_cast<uint64_t>(n)));
    for (int64_t p = 0; p < P; ++p) {
      const double u = (static_cast<double>(rng.bits(static_cast<uint64_t>(p)) >> 8) + 0.5) / 16777216.0;
      out[n * P + p] = static_cast<float>(-std::log(-std::log(u)));
    }
  }
  return g;
}

LpsPool2d::LpsPool2d(LpsPool2dOptions options) : options_(options) {
  LpsPool2dOptions& o = options_;
  const auto fail = [&](const std::string& what) {
    throw ConfigError(fmt::format("LpsPool2d: {} (channels={}, hidden={}, stride={}, blur_filter={}, tau={})", what,
                                  o.channels, o.hidden, to_string(o.stride), o.blur_filter, o.tau));
  };
  if (o.channels < 1) fail("channels must be >= 1");
  if (o.hidden < 0) fail("hidden must be >= 1, or 0 for the input channels");
  if (o.stride.h < 1 || o.stride.w < 1) fail("stride must be >= 1 along each axis");
  if (o.blur_filter < 1 || o.blur_filter > 7) fail("blur_filter must be 1 (none) or 2..7");
  if (!(o.tau > 0.0) || !std::isfinite(o.tau)) fail("tau must be a finite number > 0");
  if (!(o.tau_decay > 0.0 && o.tau_decay <= 1.0) || o.tau_every < 1 || !(o.tau_min > 0.0)) {
    fail(fmt::format("the annealing needs 0 < tau_decay <= 1, tau_every >= 1 and tau_min > 0 (got {}, {}, {})",
                     o.tau_decay, o.tau_every, o.tau_min));
  }
  if (o.hidden == 0) o.hidden = o.channels;
  register_counter("calls", &calls_);
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(scorer_conv(o.channels, o.hidden), stream_id(o.seed, 0)));
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(scorer_conv(o.hidden, o.hidden), stream_id(o.seed, 1)));
}

void LpsPool2d::set_tau(double tau) {
  if (!(tau > 0.0) || !std::isfinite(tau)) throw ConfigError(fmt::format("LpsPool2d: tau must be > 0, got {}", tau));
  options_.tau = tau;
}

double LpsPool2d::current_tau() const {
  const LpsPool2dOptions& o = options_;
  if (o.tau_decay == 1.0) return o.tau;
  const double steps = std::floor(static_cast<double>(calls_) / static_cast<double>(o.tau_every));
  return std::max(std::min(o.tau, o.tau_min), o.tau * std::pow(o.tau_decay, steps));
}

Tensor LpsPool2d::phase_logits(const Tensor& x) {
  const int64_t P = phase_count(options_.stride);
  std::vector<Tensor> components;  // each [N, C, OH, OW]
  for (int64_t p = 0; p < P; ++p) {
    const std::vector<int64_t> phases(static_cast<size_t>(x.size(0)), p);
    components.push_back(aps_select(x, phases, options_.stride));
  }
  const Tensor& c0 = components.front();
  const int64_t N = c0.size(0), C = c0.size(1), OH = c0.size(2), OW = c0.size(3);
  // [N, P*C, OH, OW] holds sample n's phases one after the other: read as [N*P, C, OH, OW].
  const Tensor batch = reshape(concat(components, 1), {N * P, C, OH, OW});
  const Tensor scores = (*conv2_)(relu((*conv1_)(batch)));  // [N*P, hidden, OH, OW]
  return reshape(mean(scores, {1, 2, 3}), {N, P});
}

Blur2d LpsPool2d::stride_one_blur() const {
  return {.filter_size = options_.blur_filter, .stride = {1, 1}, .padding_mode = options_.blur_padding};
}

Tensor LpsPool2d::blurred(const Tensor& x) const {
  return options_.blur_filter == 1 ? x : blur_pool2d(x, stride_one_blur());
}

Tensor LpsPool2d::forward(const Tensor& x) {
  if (is_training()) {
    const int64_t N = x.dim() == 4 ? x.size(0) : 0;  // a bad rank is the ops' error
    const Tensor y = forward_with_noise(x, lps_gumbel_noise(N, phase_count(options_.stride), options_.seed, calls_));
    ++calls_;
    return y;
  }
  const Tensor in = blurred(x);
  Tensor logits;
  {
    const NoGradGuard no_grad;  // arg-max: no gradient reaches the scorer
    logits = phase_logits(in);
  }
  last_phases_ = arg_max_rows(logits);
  last_weights_ = Tensor();
  return aps_select(in, last_phases_, options_.stride);
}

Tensor LpsPool2d::forward_with_noise(const Tensor& x, const Tensor& noise) {
  const Tensor in = blurred(x);
  const Tensor logits = phase_logits(in);
  if (noise.shape() != logits.shape()) {
    throw ShapeError(fmt::format("lps_pool2d: noise {} does not match the logits {} (x={})", shape_str(noise.shape()),
                                 shape_str(logits.shape()), shape_str(x.shape())));
  }
  const Tensor perturbed = add(logits, noise);
  last_phases_ = arg_max_rows(perturbed.detach());
  const Tensor weights = softmax(div(perturbed, Tensor::full({1}, static_cast<float>(current_tau()))));  // [N, P]
  last_weights_ = weights;
  return polyphase_mix(in, weights, options_.stride);
}

Tensor LpsPool2d::follow(const Tensor& t) const {
  const Tensor in = blurred(t);
  return last_weights_.defined() ? polyphase_mix(in, last_weights_, options_.stride)
                                 : aps_select(in, last_phases_, options_.stride);
}

std::vector<Window> LpsPool2d::windows() const {
  std::vector<Window> out;
  if (options_.blur_filter > 1) out.push_back(blur_window(stride_one_blur()));
  // Output i reads input i*s + phase for a phase in [0, s): a window of s bounds it (the
  // scorer only picks the phase).
  out.push_back(Window{.kernel = options_.stride, .stride = options_.stride, .adaptive = true});
  return out;
}

std::string LpsPool2d::describe() const {
  const LpsPool2dOptions& o = options_;
  std::string s = fmt::format("LpsPool2d({}, hidden={}, stride={}, tau={}", o.channels, o.hidden, stride_string(o.stride),
                              o.tau);
  if (o.blur_filter > 1) s += fmt::format(", blur={}, padding={}", o.blur_filter, to_string(o.blur_padding));
  return s + ")";
}

ModuleConfig LpsPool2d::config() const {
  const LpsPool2dOptions& o = options_;
  return {"LpsPool2d",
          {{"stride", o.stride},
           {"blur_filter", o.blur_filter},
           {"blur_padding", to_string(o.blur_padding)},
           {"tau", o.tau}}};
}

}  // namespace poolnet
