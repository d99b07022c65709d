// LpsPool2d: learnable polyphase sampling (Rojas-Gomez, Lim, Schwing, Do, Yeh, "Learnable
// Polyphase Sampling for Shift Invariant and Equivariant Convolutional Networks", NeurIPS 2022;
// reference code raymondyeh07/learnable_polyphase_sampling, learn_poly_sampling/layers/
// polydown.py (PolyphaseInvariantDown2D, LPS, split_polyV2), lps_logit_layers.py
// (LPSLogitLayersV2) and lps_utils.py (lps_downsampleV2)).
//
//   x [N,C,H,W] -> y [N,C,OH,OW],  OH = ceil(H/sh), OW = ceil(W/sw); P = sh*sw phases.
//   1. Blur: with blur_filter > 1, a stride-1 binomial blur of that size with blur_padding
//      (as aps_blur); blur_filter = 1 is no blur (the paper's plain LPS).
//   2. Components: phase p = i*sw + j is xp[:, :, i::sh, j::sw], xp = x wrapped circularly at the
//      bottom/right up to OH*sh x OW*sw (aps_select's convention; the reference pads odd sizes
//      with zeros instead, and so is not shift equivariant there).
//   3. Scorer, shared by the phases (LPSLogitLayersV2): the P components as one batch
//      [N*P, C, OH, OW] (sample-major) -> conv1 3x3 C -> hidden, 'same', circular padding ->
//      ReLU -> conv2 3x3 hidden -> hidden, 'same', circular -> mean over channels and positions:
//      one logit per sample and phase, logits [N, P]. (The reference's second convolution
//      outputs `hidden` channels, not 1, and the mean runs over them too; its padding is
//      circular whatever the network's padding mode.) hidden = 0 means hidden = C, the
//      reference ResNets' choice (the scorer of a C-channel layer has C hidden channels).
//   4. Training: w = softmax((logits + g) / tau) over the phases, g standard Gumbel noise, and
//      y = polyphase_mix(x, w, stride) = sum_p w[n,p] * component_p. Soft, not straight-
//      through: the reference calls F.gumbel_softmax(logits, tau, hard=False), so training sees
//      the convex mixture and the scorer gets the mixture's gradient. The noise
//      g[n,p] = -log(-log(u)), u = (bits(p) >> 8 + 0.5) / 2^24 in (0, 1) (never 0 or 1, so g is
//      finite) from RandomStream(seed, stream_id(step, n)): per sample, per phase, per training
//      step (the registered counter "calls"), bitwise the same at any thread count and across
//      resume. tau is the reference's gumbel_tau buffer (default 1); its training recipes
//      anneal it (configs/tau_*.json: step decay by 0.85 every 10 epochs down to 0.025, or
//      milestones 0.7/0.5/0.3). Here the step decay, counted in training steps so it needs no
//      epoch and survives resume with the counter: at training step k,
//        tau(k) = max(min(tau, tau_min), tau * tau_decay^floor(k / tau_every))
//      (tau_decay = 1, the default: constant tau).
//   5. Evaluation: the phase of the largest logit per sample (ties: the lowest phase; a NaN
//      logit wins, as torch.argmax), y = aps_select(x, phases, stride). Deterministic; the
//      scorer runs without recording gradients. With circular padding and H, W multiples of
//      the stride, a circular shift of x by t permutes the logits (the scorer is equivariant,
//      the mean invariant), so the chosen phase follows the shift and y shifts by t / stride;
//      in float, only up to the scorer's rounding: logits that agree to a few ulps may swap.
//      They do after a blur at stride 2: every binomial filter gives all components the same
//      mean, so only the scorer's ReLU tells them apart (the reference's
//      selection_noantialias option, logits from the unblurred components, avoids it; not here).
// last_phases(): the phases of the latest forward (evaluation: the chosen ones; training: the
// arg-max of logits + g, the phase the mixture weights most), so a PolyphaseUnpool2d can undo
// an evaluation-mode downsampling. Gradient: through the components and mixture weights
// (training) or the chosen component (evaluation); the scorer's weights learn only in training.
// Parameters "conv1.weight" [hidden,C,3,3], "conv1.bias", "conv2.weight" [hidden,hidden,3,3],
// "conv2.bias": PyTorch's default initialisation, conv1 from stream_id(seed, 0) and conv2 from
// stream_id(seed, 1).
#pragma once

#include <memory>
#include <vector>

#include "framework/ops/blur_pool.h"
#include "layers/conv2d.h"
#include "layers/module.h"
#include "layers/polyphase_choice.h"

namespace poolnet {

struct LpsPool2dOptions {
  int64_t channels = 0;  // C, >= 1
  int64_t hidden = 0;    // the scorer's hidden channels; 0: C
  Size2d stride{2, 2};   // each >= 1, and sh*sw >= 2
  int64_t blur_filter = 1;  // 1: no blur; 2..7: binomial blur of that size first
  PadMode blur_padding = PadMode::kZeros;
  double tau = 1.0;        // Gumbel-softmax temperature, > 0
  double tau_decay = 1.0;  // in (0, 1]: tau's factor every tau_every training steps
  int64_t tau_every = 1000;
  double tau_min = 0.025;  // > 0: the annealed tau's floor
  uint64_t seed = 0;  // parameters and training draws
};

// The Gumbel noise of a training step: [N, P], g[n,p] as in the header.
Tensor lps_gumbel_noise(int64_t N, int64_t P, uint64_t seed, uint64_t step);

class LpsPool2d : public Module, public PolyphaseChoice {
 public:
  explicit LpsPool2d(LpsPool2dOptions options);  // ConfigError for options that cannot work
  Tensor forward(const Tensor& x) override;
  // "LpsPool2d(4, hidden=4, stride=2x2, tau=1)", plus ", blur=3, padding=zeros" with a blur.
  std::string describe() const override;
  ModuleConfig config() const override;  // the scorer's convolutions are the children conv1, conv2
  std::vector<Window> windows() const override;

  // The training-mode output with the Gumbel noise given ([N, P]) instead of drawn; the counter
  // does not move. forward() in training is forward_with_noise(x, lps_gumbel_noise(N, P, seed,
  // calls())), then counts the call.
  Tensor forward_with_noise(const Tensor& x, const Tensor& noise);
  // The scorer's logits [N, P] of x (the blurred input when blur_filter > 1), recorded for autograd.
  Tensor phase_logits(const Tensor& x);
  const LpsPool2dOptions& options() const { return options_; }
  const std::vector<int64_t>& last_phases() const { return last_phases_; }
  // Training: the latest forward's mixture weights [N, P] (recorded, so a shortcut's gradient
  // reaches the scorer too); evaluation: its phases.
  Tensor follow(const Tensor& t) const override;
  void set_tau(double tau);   // the starting tau; ConfigError unless tau > 0
  double current_tau() const;  // tau(calls()): the temperature of the next training forward
  uint64_t calls() const { return calls_; }  // training forwards so far

 private:
  Blur2d stride_one_blur() const;
  Tensor blurred(const Tensor& x) const;

  LpsPool2dOptions options_;
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::vector<int64_t> last_phases_;
  Tensor last_weights_;  // training: the latest mixture weights; evaluation: undefined
  uint64_t calls_ = 0;
};

}  // namespace poolnet
