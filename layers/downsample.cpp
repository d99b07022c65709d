#include "layers/downsample.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/errors.h"
#include "framework/ops/aps.h"
#include "layers/aps_pool2d.h"
#include "layers/avg_pool2d.h"
#include "layers/blur_pool2d.h"
#include "layers/conv2d.h"
#include "layers/conv_blur_pool2d.h"
#include "layers/fractional_max_pool2d.h"
#include "layers/identity.h"
#include "layers/lip_pool2d.h"
#include "layers/lp_pool2d.h"
#include "layers/lps_pool2d.h"
#include "layers/max_blur_pool2d.h"
#include "layers/max_pool2d.h"
#include "layers/mixed_pool2d.h"
#include "layers/relu.h"
#include "layers/s3_pool2d.h"
#include "layers/sequential.h"
#include "layers/soft_pool2d.h"
#include "layers/stochastic_pool2d.h"
#include "layers/tips_pool2d.h"
#include "layers/spectral_pool2d.h"
#include "layers/flc_pool2d.h"
#include "layers/asap_pool2d.h"
#include "layers/wavelet_pool2d.h"
#include "layers/dpp_pool2d.h"

namespace poolnet {

namespace {

// ---- keys -------------------------------------------------------------------------------------

StrategyKey integer_key(std::string name, std::optional<int64_t> def, double low, double high, bool always = false,
                        std::string unset = "the context's stride") {
  StrategyKey k{.name = std::move(name),
                .type = KeyType::kInteger,
                .low = low,
                .high = high,
                .always_written = always,
                .unset = std::move(unset)};
  if (def) k.default_value = *def;
  return k;
}
StrategyKey flag_key(std::string name, bool def) {
  return {.name = std::move(name), .type = KeyType::kFlag, .default_value = def};
}
StrategyKey filter_key() { return integer_key("filter", 3, 1, 7, true); }
StrategyKey stride_key() { return {.name = "stride", .type = KeyType::kStride}; }
StrategyKey norm_key() {
  return {.name = "norm", .type = KeyType::kChoice, .default_value = "l2", .choices = {"l2", "l1", "linf"},
          .always_written = true};
}
StrategyKey wavelet_key() {
  return {.name = "wavelet", .type = KeyType::kChoice, .default_value = "haar", .choices = {"haar", "db2"},
          .always_written = true};
}
// The pooling window of max_pool, avg_pool and lp_pool: kernel and stride follow the context.
std::vector<StrategyKey> window_keys(std::vector<StrategyKey> extra) {
  extra.push_back(integer_key("kernel", std::nullopt, 1, kUnboundedInteger));
  extra.push_back(integer_key("stride", std::nullopt, 1, kUnboundedInteger));
  extra.push_back(flag_key("ceil_mode", false));
  return extra;
}

// ---- builders ---------------------------------------------------------------------------------

void require_channels(const DownsampleSpec& spec, const DownsampleContext& c) {
  if (c.channels < 1) {
    throw ConfigError(fmt::format("downsample: {} needs the channel count (context channels >= 1), got {}", spec.name,
                                  c.channels));
  }
}

void require_stride(const DownsampleSpec& spec, const DownsampleContext& c, int64_t least) {
  if (c.stride < least) {
    throw ConfigError(fmt::format("downsample: {} needs a context stride >= {}, got {}", spec.name, least, c.stride));
  }
}

// flc_pool and asap_pool keep the middle half of the spectrum, as the authors' code: stride 2 only.
void require_halving(const DownsampleSpec& spec, const DownsampleContext& c) {
  if (c.stride != 2) {
    throw ConfigError(fmt::format("downsample: {} halves the map (the authors' crop of the middle half of the "
                                  "spectrum); it needs a context stride of 2, got {}",
                                  spec.name, c.stride));
  }
}

// The Pool2d of a max/avg/lp_pool spec: kernel and stride default to the context's stride;
// ConfigError for a window that cannot work on any input.
Pool2d pool_options(const DownsampleSpec& spec, const DownsampleContext& c) {
  const auto get = [&](const char* key, int64_t otherwise) { return spec.has(key) ? spec.integer(key) : otherwise; };
  const int64_t k = get("kernel", c.stride), s = get("stride", c.stride), pad = get("padding", 0),
                dilation = get("dilation", 1);
  const Pool2d o{.kernel = {k, k},
                 .stride = {s, s},
                 .padding = {pad, pad},
                 .dilation = {dilation, dilation},
                 .ceil_mode = spec.flag("ceil_mode"),
                 .count_include_pad = spec.has("count_include_pad") ? spec.flag("count_include_pad") : true,
                 .divisor_override = get("divisor_override", 0)};
  try {  // the window limits that do not depend on the input size
    pool2d_geometry({1, 1, 1 << 20, 1 << 20}, o, spec.name, spec.name == "max_pool");
  } catch (const ShapeError& e) {
    throw ConfigError(fmt::format("downsample: '{}' cannot work: {}", to_string(spec), e.what()));
  }
  return o;
}

// The `stride` key's value, else the context's stride along both axes.
Size2d stride_of(const DownsampleSpec& spec, const DownsampleContext& c) {
  return spec.has("stride") ? *parse_stride(spec.choice("stride")) : Size2d{c.stride, c.stride};
}

Blur2d blur_options(const DownsampleSpec& spec, const DownsampleContext& c) {
  return {.filter_size = spec.integer("filter"), .stride = stride_of(spec, c), .padding_mode = c.padding_mode};
}

// A window of s x s, stride s.
Size2d square(const DownsampleContext& c) { return {c.stride, c.stride}; }

std::shared_ptr<Module> strided_conv(const DownsampleSpec& spec, const DownsampleContext& c) {
  require_channels(spec, c);
  auto seq = std::make_shared<Sequential>();
  seq->add(std::make_shared<Conv2d>(Conv2d::Options{.in_channels = c.channels,
                                                    .out_channels = c.channels,
                                                    .kernel = {3, 3},
                                                    .stride = square(c),
                                                    .padding = {1, 1},
                                                    .padding_mode = c.padding_mode},
                                    c.seed));
  seq->add(std::make_shared<ReLU>());
  return seq;
}

std::shared_ptr<Module> aps(const DownsampleSpec& spec, const DownsampleContext& c, int64_t blur_filter) {
  if (!spec.has("stride")) require_stride(spec, c, 2);
  return std::make_shared<ApsPool2d>(
      ApsPool2dOptions{.aps = {.stride = stride_of(spec, c), .norm = parse_aps_norm(spec.choice("norm"))},
                       .blur_filter = blur_filter,
                       .blur_padding = blur_filter > 0 ? c.padding_mode : PadMode::kCircular});
}

// ---- the registry -----------------------------------------------------------------------------

std::vector<Strategy>& rows() {
  static std::vector<Strategy> table = {
      {.name = "max_pool",
       .keys = window_keys({integer_key("padding", 0, 0, kUnboundedInteger),
                            integer_key("dilation", 1, 1, kUnboundedInteger)}),
       .description = "max over each window (PyTorch MaxPool2d); classic",
       .build = [](const DownsampleSpec& s,
                   const DownsampleContext& c) { return std::make_shared<MaxPool2d>(pool_options(s, c)); },
       .in_default_study = true,
       .in_bench = true},
      {.name = "avg_pool",
       .keys = window_keys({integer_key("padding", 0, 0, kUnboundedInteger), flag_key("count_include_pad", true),
                            integer_key("divisor_override", std::nullopt, 1, kUnboundedInteger, false,
                                        "the window size")}),
       .description = "mean over each window (PyTorch AvgPool2d); classic",
       .build = [](const DownsampleSpec& s,
                   const DownsampleContext& c) { return std::make_shared<AvgPool2d>(pool_options(s, c)); },
       .in_default_study = true,
       .in_bench = true},
      {.name = "lp_pool",
       .keys = window_keys({{.name = "p", .type = KeyType::kReal, .default_value = 2.0, .low = 1,
                             .high = kUnboundedReal, .always_written = true}}),
       .description = "(sum x^p)^(1/p) over each window (PyTorch LPPool2d); Sermanet et al. 2012",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) {
             return std::make_shared<LpPool2d>(static_cast<float>(s.real("p")), pool_options(s, c));
           }},
      {.name = "strided_conv",
       .description = "learnable 3x3 convolution with stride s, padding 1, then ReLU; Springenberg et al. 2014",
       .build = strided_conv,
       .in_default_study = true,
       .in_bench = true},
      {.name = "max_blur_pool",
       .keys = {filter_key(), stride_key()},
       .description = "max pool 2x2 with stride 1, then binomial blur and subsampling; Zhang 2019",
       .build = [](const DownsampleSpec& s,
                   const DownsampleContext& c) { return std::make_shared<MaxBlurPool2d>(blur_options(s, c)); },
       .in_default_study = true,
       .in_bench = true},
      {.name = "blur_pool",
       .keys = {filter_key(), stride_key()},
       .description = "binomial low-pass filter, then subsampling (replaces average pooling); Zhang 2019",
       .build = [](const DownsampleSpec& s,
                   const DownsampleContext& c) { return std::make_shared<BlurPool2d>(blur_options(s, c)); },
       .in_default_study = true},
      {.name = "conv_blur_pool",
       .keys = {filter_key(), stride_key()},
       .description = "3x3 convolution with stride 1 and ReLU, then blur and subsampling; Zhang 2019",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) {
             require_channels(s, c);
             return std::make_shared<ConvBlurPool2d>(ConvBlurPool2dOptions{.channels = c.channels,
                                                                           .filter_size = s.integer("filter"),
                                                                           .stride = stride_of(s, c),
                                                                           .padding_mode = c.padding_mode},
                                                     c.seed);
           }},
      {.name = "aps",
       .keys = {norm_key(), stride_key()},
       .description = "adaptive polyphase sampling: per sample, the polyphase component of largest norm; "
                      "Chaman & Dokmanic 2021",
       .build = [](const DownsampleSpec& s, const DownsampleContext& c) { return aps(s, c, 0); },
       .in_default_study = true,
       .in_bench = true},
      {.name = "aps_blur",
       .keys = {filter_key(), norm_key(), stride_key()},
       .description = "stride-1 binomial blur, then adaptive polyphase sampling; Chaman & Dokmanic 2021",
       .build = [](const DownsampleSpec& s, const DownsampleContext& c) { return aps(s, c, s.integer("filter")); }},
      {.name = "stochastic_pool",
       .description = "training: one value per window drawn with probability proportional to it; evaluation: "
                      "the probability-weighted mean; Zeiler & Fergus 2013",
       .build =
           [](const DownsampleSpec&, const DownsampleContext& c) {
             return std::make_shared<StochasticPool2d>(
                 StochasticPool2dOptions{.kernel = square(c), .stride = square(c), .seed = c.seed});
           }},
      {.name = "mixed_pool",
       .description = "learnable gate a*max + (1-a)*avg per layer; Lee et al. 2016",
       .build =
           [](const DownsampleSpec&, const DownsampleContext& c) {
             return std::make_shared<MixedPool2d>(Pool2d{.kernel = square(c), .stride = square(c)});
           }},
      {.name = "soft_pool",
       .description = "softmax-weighted sum over each window; Stergiou et al. 2021",
       .build =
           [](const DownsampleSpec&, const DownsampleContext& c) {
             return std::make_shared<SoftPool2d>(SoftPool{.kernel = square(c), .stride = square(c)});
           }},
      {.name = "tips",
       .keys = {integer_key("kernel", 3, 1, 15, true), stride_key()},
       .description = "translation invariant polyphase sampling: per channel, the softmax mixture of the s^2 "
                      "polyphase components, weighted by a learned depthwise KxK conv, ReLU, average pool to s x s "
                      "and 1x1 depthwise conv (+ the shift-consistency loss of --tips-loss); Saha & Gokhale 2024",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             require_channels(s, c);
             if (!s.has("stride")) require_stride(s, c, 2);
             if (s.integer("kernel") % 2 == 0) {
               throw ConfigError(fmt::format("downsample: '{}' cannot work: kernel must be odd", to_string(s)));
             }
             return std::make_shared<TipsPool2d>(
                 TipsPool2dOptions{.channels = c.channels,
                                   .kernel = s.integer("kernel"),
                                   .stride = stride_of(s, c),
                                   .padding_mode = c.padding_mode,
                                   .seed = c.seed});
           }},
      {.name = "fractional_max_pool",
       .keys = {{.name = "ratio", .type = KeyType::kReal, .low = 0, .high = 1, .unset = "1/the context's stride"},
                integer_key("output", std::nullopt, 1, kUnboundedInteger, false, "from the ratio"),
                integer_key("kernel", 2, 1, kUnboundedInteger),
                {.name = "eval_u", .type = KeyType::kReal, .default_value = 0.5, .low = 0, .high = 1}},
       .description = "max over kernel-sized windows at pseudo-random fractional strides, output floor(ratio * "
                      "input) or `output` (PyTorch FractionalMaxPool2d's intervals); training: one draw per sample, "
                      "channel and axis; evaluation: the fixed offset eval_u; Graham 2014",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             const bool ratio = s.has("ratio"), output = s.has("output");
             if (ratio && output) {
               throw ConfigError(fmt::format("downsample: '{}' sets both ratio and output; set one", to_string(s)));
             }
             if (!ratio && !output) require_stride(s, c, 2);
             const int64_t k = s.integer("kernel"), size = output ? s.integer("output") : 0;
             const FractionalMaxPool2dOptions o{.kernel = {k, k},
                                                .ratio = ratio ? s.real("ratio") : 1.0 / static_cast<double>(c.stride),
                                                .output = {size, size},
                                                .eval_u = static_cast<float>(s.real("eval_u")),
                                                .seed = c.seed};
             if (!(o.ratio > 0.0 && o.ratio < 1.0) || !(s.real("eval_u") < 1.0)) {
               throw ConfigError(fmt::format("downsample: '{}' cannot work: needs 0 < ratio < 1 and 0 <= eval_u < 1",
                                             to_string(s)));
             }
             try {
               return std::make_shared<FractionalMaxPool2d>(o);
             } catch (const ShapeError& e) {
               throw ConfigError(fmt::format("downsample: '{}' cannot work: {}", to_string(s), e.what()));
             }
           }},
      {.name = "lps",
       .keys = {integer_key("filter", 1, 1, 7, true),
                integer_key("hidden", std::nullopt, 1, kUnboundedInteger, false, "the input channels"),
                {.name = "tau", .type = KeyType::kReal, .default_value = 1.0, .low = 0.001, .high = kUnboundedReal},
                {.name = "tau_decay", .type = KeyType::kReal, .default_value = 1.0, .low = 0.001, .high = 1},
                integer_key("tau_every", 1000, 1, kUnboundedInteger),
                {.name = "tau_min", .type = KeyType::kReal, .default_value = 0.025, .low = 0.001,
                 .high = kUnboundedReal},
                stride_key()},
       .description = "learnable polyphase sampling: a shared two-conv scorer gives each polyphase component a logit; "
                      "training: Gumbel-softmax mixture at temperature tau (times tau_decay every tau_every steps, "
                      "down to tau_min); evaluation: the arg-max phase; filter > 1 blurs first; Rojas-Gomez et al. 2022",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             require_channels(s, c);
             if (!s.has("stride")) require_stride(s, c, 2);
             return std::make_shared<LpsPool2d>(LpsPool2dOptions{.channels = c.channels,
                                                                 .hidden = s.has("hidden") ? s.integer("hidden") : 0,
                                                                 .stride = stride_of(s, c),
                                                                 .blur_filter = s.integer("filter"),
                                                                 .blur_padding = c.padding_mode,
                                                                 .tau = s.real("tau"),
                                                                 .tau_decay = s.real("tau_decay"),
                                                                 .tau_every = s.integer("tau_every"),
                                                                 .tau_min = s.real("tau_min"),
                                                                 .seed = c.seed});
           }},
      {.name = "s3_pool",
       .keys = {integer_key("grid", std::nullopt, 1, kUnboundedInteger)},
       .description = "max pool k=2 s=1, then per training step grid/stride random rows and columns (sorted) from "
                      "each grid of `grid`, one draw for the whole batch; evaluation: exclusive average pooling "
                      "(kernel = stride, padding stride/2) of the max map, as the authors' code (its size is "
                      "training's when the grid divides the input; else use a global head); Zhai et al. 2017",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             require_stride(s, c, 2);
             const int64_t g = s.has("grid") ? s.integer("grid") : 0;
             try {
               return std::make_shared<S3Pool2d>(S3Pool2dOptions{.stride = square(c), .grid = {g, g}, .seed = c.seed});
             } catch (const ShapeError& e) {
               throw ConfigError(fmt::format("downsample: '{}' cannot work: {}", to_string(s), e.what()));
             }
           }},
      {.name = "lip_pool",
       .keys = {integer_key("window", std::nullopt, 1, kUnboundedInteger, false, "2*stride-1"),
                integer_key("logit_kernel", 3, 1, 15)},
       .description = "local importance pooling: the window's mean weighted by exp(G(x)), G = `logit_kernel` "
                      "conv (no bias), affine instance norm, 12*sigmoid (the simplified LIP of the LIP-ResNet, "
                      "conv zero-initialised: starts as average pooling); window 2s-1 (3 at s=2), stride s, "
                      "padding (window-1)/2; Gao et al. 2019",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             require_channels(s, c);
             const int64_t k = s.has("window") ? s.integer("window") : 2 * c.stride - 1, pad = (k - 1) / 2;
             if (s.integer("logit_kernel") % 2 == 0) {
               throw ConfigError(fmt::format("downsample: '{}' cannot work: logit_kernel must be odd", to_string(s)));
             }
             return std::make_shared<LipPool2d>(
                 LipPool2dOptions{.channels = c.channels,
                                  .pool = {.kernel = {k, k}, .stride = square(c), .padding = {pad, pad}},
                                  .logit_kernel = s.integer("logit_kernel"),
                                  .padding_mode = c.padding_mode,
                                  .seed = c.seed});
           }},
      {.name = "spectral_pool",
       .keys = {{.name = "ratio", .type = KeyType::kReal, .low = 0, .high = 1, .unset = "1/the context's stride"}},
       .description = "keeps the centred floor(ratio * H) x floor(ratio * W) block of each plane's DFT (FFTW), "
                      "inverse DFT, real part; every output reads the whole map; Rippel et al. 2015",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             if (!s.has("ratio")) require_stride(s, c, 2);
             const double ratio = s.has("ratio") ? s.real("ratio") : 1.0 / static_cast<double>(c.stride);
             if (!(ratio > 0.0 && ratio < 1.0)) {
               throw ConfigError(fmt::format("downsample: '{}' cannot work: needs 0 < ratio < 1", to_string(s)));
             }
             return std::make_shared<SpectralPool2d>(SpectralPool{.ratio = ratio});
           }},
      {.name = "flc_pool",
       .description = "frequency low-cut pooling: the magnitude of the inverse DFT of the centred half of the "
                      "shifted spectrum (flc_pooling.py); stride 2 only; Grabinski et al. 2022",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             require_halving(s, c);
             return std::make_shared<FlcPool2d>();
           }},
      {.name = "asap_pool",
       .description = "aliasing and spectral artifact free pooling: FLC with a Hamming window on the shifted "
                      "spectrum, real part (asap.py); stride 2 only; Grabinski et al. 2023",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             require_halving(s, c);
             return std::make_shared<AsapPool2d>();
           }},
      {.name = "wavelet_pool",
       .keys = {wavelet_key()},
       .description = "two-level 2-D wavelet decomposition with periodic extension (an odd side repeats its last "
                      "sample), the first-level approximation rebuilt from the second level: the first-level "
                      "approximation (haar: 2 * avg_pool); stride 2 only; Williams & Li 2018",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             if (c.stride != 2) {
               throw ConfigError(fmt::format(
                   "downsample: '{}' halves its input (one wavelet level): needs a context stride of 2, got {}",
                   to_string(s), c.stride));
             }
             return std::make_shared<WaveletPool2d>(WaveletPool{.wavelet = parse_wavelet(s.choice("wavelet"))});
           }},
      {.name = "dpp_pool",
       .description = "detail-preserving pooling, symmetric lite: per window the average weighted by alpha + "
                      "(normalised squared difference from the window mean)^(lambda/2), alpha and lambda learned per "
                      "channel; Saeedan et al. 2018",
       .build =
           [](const DownsampleSpec& s, const DownsampleContext& c) -> std::shared_ptr<Module> {
             require_channels(s, c);
             return std::make_shared<DppPool2d>(
                 DppPool2dOptions{.channels = c.channels, .pool = {.window = square(c)}, .seed = c.seed});
           }},
      {.name = "none",
       .description = "no downsampling: stride 1 throughout (the equivariance ceiling)",
       .build = [](const DownsampleSpec&, const DownsampleContext&) { return std::make_shared<Identity>(); },
       .in_default_study = true},
  };
  return table;
}

std::string valid_names() { return fmt::format("{}", fmt::join(all_strategy_names(), ", ")); }
}  // namespace


const std::vector<Strategy>& strategies() { return rows(); }

const Strategy& find_strategy(std::string_view name) {
  for (const Strategy& s : rows()) {
    if (s.name == name) return s;
  }
  throw ConfigError(fmt::format("downsample: unknown strategy '{}' (valid: {})", name, valid_names()));
}

void register_strategy(Strategy strategy) {
  const bool identifier = !strategy.name.empty() && std::all_of(strategy.name.begin(), strategy.name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
  if (!identifier) throw ConfigError(fmt::format("register_strategy: '{}' is not a snake_case name", strategy.name));
  for (const Strategy& s : rows()) {
    if (s.name == strategy.name) throw ConfigError(fmt::format("register_strategy: '{}' exists", strategy.name));
  }
  if (!strategy.build) throw ConfigError(fmt::format("register_strategy: '{}' has no builder", strategy.name));
  rows().push_back(std::move(strategy));
}

std::vector<std::string> all_strategy_names() {
  std::vector<std::string> out;
  for (const Strategy& s : rows()) out.push_back(s.name);
  return out;
}

std::vector<std::string> default_study_strategies() {
  std::vector<std::string> out;
  for (const Strategy& s : rows()) {
    if (s.in_default_study) out.push_back(to_string(parse_downsample(s.name)));
  }
  return out;
}

std::vector<std::string> bench_strategies() {
  std::vector<std::string> out;
  for (const Strategy& s : rows()) {
    if (s.in_bench) out.push_back(to_string(parse_downsample(s.name)));
  }
  return out;
}

std::vector<std::string> strategy_keys(std::string_view name) {
  std::vector<std::string> out;
  for (const StrategyKey& k : find_strategy(name).keys) out.push_back(k.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<Module> make_downsample(const DownsampleSpec& spec, const DownsampleContext& context) {
  const Strategy& row = find_strategy(spec.name);
  if (context.stride < 1) {
    throw ConfigError(fmt::format("downsample: context stride must be >= 1, got {} for {}", context.stride, spec.name));
  }
  return row.build(spec, context);
}

}  // namespace poolnet
