#include "models/torch_export.h"

#include <fmt/format.h>

#include <set>

#include "framework/errors.h"
#include "layers/aps_pool.h"
#include "layers/avg_pool2d.h"
#include "layers/batch_norm2d.h"
#include "layers/blur_pool.h"
#include "layers/conv2d.h"
#include "layers/conv_blur_pool.h"
#include "layers/flatten.h"
#include "layers/global_avg_pool.h"
#include "layers/global_max_pool.h"
#include "layers/identity.h"
#include "layers/linear.h"
#include "layers/lp_pool2d.h"
#include "layers/max_blur_pool.h"
#include "layers/max_pool2d.h"
#include "layers/mixed_pool.h"
#include "layers/relu.h"
#include "layers/sequential.h"
#include "layers/soft_pool.h"
#include "layers/stochastic_pool.h"
#include "models/families.h"
#include "models/resnet.h"
#include "models/torch_snippets.h"

namespace poolnet {

namespace {
std::string py(bool b) { return b ? "True" : "False"; }
std::string py(Size2d s) { return fmt::format("({}, {})", s.h, s.w); }
std::string py(PadMode m) { return fmt::format("\"{}\"", to_string(m)); }

// The value of `key` in a describe() string "Type(a, key=value, ...)", or "" if absent.
std::string described(const std::string& description, const std::string& key) {
  const size_t at = description.find(key + "=", description.find('('));
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size() + 1;
  return description.substr(begin, description.find_first_of(",)", begin) - begin);
}

int64_t described_int(const Module& m, const std::string& key, const std::string& path) {
  const std::string v = described(m.describe(), key);
  try {
    return std::stoll(v);
  } catch (const std::logic_error&) {
    throw ConfigError(fmt::format("torch export: cannot read {} of {} at {}", key, m.describe(), path));
  }
}

class Exporter {
 public:
  std::string module(const Module& m, const std::string& path, int indent);
  const std::set<std::string>& helpers() const { return helpers_; }

 private:
  std::string downsampler(const Module& m, const std::string& path);
  std::string list(const std::string& head, const std::vector<std::string>& items, int indent) const;
  std::string children(const Module& m, const std::string& path, int indent);
  std::string helper(const std::string& name, const std::string& args) {
    helpers_.insert(name);
    return fmt::format("{}({})", name, args);
  }

  std::set<std::string> helpers_;
};

// A layer whose options were read back from its windows and description must describe itself
// exactly like the rebuilt one; anything else is an option the exporter does not know.
void require_same(const Module& m, const Module& rebuilt, const std::string& path) {
  if (m.describe() != rebuilt.describe()) {
    throw ConfigError(
        fmt::format("torch export: {} at {} has options the exporter does not reproduce (read back as {})",
                    m.describe(), path, rebuilt.describe()));
  }
}

std::string Exporter::list(const std::string& head, const std::vector<std::string>& items, int indent) const {
  if (items.empty()) return head + "()";
  const std::string pad(static_cast<size_t>(indent + 4), ' ');
  std::string out = head + "(\n";
  for (const std::string& item : items) out += pad + item + ",\n";
  return out + std::string(static_cast<size_t>(indent), ' ') + ")";
}

std::string Exporter::children(const Module& m, const std::string& path, int indent) {
  std::vector<std::string> items;
  for (size_t i = 0; i < m.children().size(); ++i) {
    const auto& [name, child] = m.children()[i];
    if (name != std::to_string(i)) {
      throw ConfigError(fmt::format("torch export: child '{}' of {} is not named by its index", name, path));
    }
    items.push_back(module(*child, path + "." + name, indent + 4));
  }
  return list("nn.Sequential", items, indent);
}

// The one place that maps poolnet layer types to PyTorch source.
std::string Exporter::module(const Module& m, const std::string& path, int indent) {
  if (dynamic_cast<const Sequential*>(&m)) return children(m, path, indent);
  if (const auto* c = dynamic_cast<const Conv2d*>(&m)) {  // PyTorch's defaults left out
    const Conv2d::Options& o = c->options();
    std::string args = fmt::format("{}, {}, kernel_size={}", o.in_channels, o.out_channels, py(o.kernel));
    if (o.stride != Size2d{1, 1}) args += ", stride=" + py(o.stride);
    if (o.same) args += ", padding=\"same\"";
    if (!o.same && o.padding != Size2d{0, 0}) args += ", padding=" + py(o.padding);
    if (o.dilation != Size2d{1, 1}) args += ", dilation=" + py(o.dilation);
    if (o.groups != 1) args += fmt::format(", groups={}", o.groups);
    if (!o.bias) args += ", bias=False";
    if (o.padding_mode != PadMode::kZeros) args += ", padding_mode=" + py(o.padding_mode);
    return fmt::format("nn.Conv2d({})", args);
  }
  if (const auto* b = dynamic_cast<const BatchNorm2d*>(&m)) {
    const BatchNorm2d::Options& o = b->options();
    std::string args = std::to_string(o.num_features);
    if (o.eps != 1e-5f) args += fmt::format(", eps={}", o.eps);
    if (o.momentum != 0.1f) args += fmt::format(", momentum={}", o.momentum);
    if (!o.affine) args += ", affine=False";
    return helper("BatchNorm2d", args);
  }
  if (const auto* l = dynamic_cast<const Linear*>(&m)) {
    const Linear::Options& o = l->options();
    return fmt::format("nn.Linear({}, {}{})", o.in_features, o.out_features, o.bias ? "" : ", bias=False");
  }
  if (dynamic_cast<const ReLU*>(&m)) return "nn.ReLU()";
  if (dynamic_cast<const Identity*>(&m)) return "nn.Identity()";
  if (dynamic_cast<const Flatten*>(&m)) {
    const int64_t start = described_int(m, "start_dim", path);
    require_same(m, Flatten(start), path);
    return fmt::format("nn.Flatten({})", start);
  }
  if (dynamic_cast<const GlobalAvgPool*>(&m)) return "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())";
  if (dynamic_cast<const GlobalMaxPool*>(&m)) return "nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())";
  if (dynamic_cast<const GlobalAvgMaxPool*>(&m)) return helper("GlobalAvgMaxPool", "");
  if (const auto* block = dynamic_cast<const BasicBlock*>(&m)) {
    std::vector<std::string> args;
    for (const char* name : {"conv1", "bn1", "down", "conv2", "bn2", "shortcut_down", "shortcut_conv", "shortcut_bn"}) {
      std::string value = "None";
      for (const auto& [child_name, child] : m.children()) {
        if (child_name == name) value = module(*child, path + "." + name, indent + 4);
      }
      args.push_back(fmt::format("{}={}", name, value));
    }
    args.push_back(fmt::format("aps_shortcut={}", py(block->aps() != nullptr)));
    helpers_.insert("BasicBlock");
    return list("BasicBlock", args, indent);
  }
  return downsampler(m, path);
}

std::string Exporter::downsampler(const Module& m, const std::string& path) {
  if (const auto* p = dynamic_cast<const MaxPool2d*>(&m)) {
    const Window w = p->windows().front();
    return fmt::format("nn.MaxPool2d(kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={})", py(w.kernel),
                       py(w.stride), py(w.padding), py(w.dilation), py(p->options().ceil_mode));
  }
  if (const auto* p = dynamic_cast<const AvgPool2d*>(&m)) {
    const Pool2d& o = p->options();
    const Window w = p->windows().front();
    return fmt::format(
        "nn.AvgPool2d(kernel_size={}, stride={}, padding={}, ceil_mode={}, count_include_pad={}, "
        "divisor_override={})",
        py(w.kernel), py(w.stride), py(w.padding), py(o.ceil_mode), py(o.count_include_pad),
        o.divisor_override > 0 ? std::to_string(o.divisor_override) : "None");
  }
  if (const auto* p = dynamic_cast<const LpPool2d*>(&m)) {
    const Window w = p->windows().front();
    return fmt::format("nn.LPPool2d({}, kernel_size={}, stride={}, ceil_mode={})", p->p(), py(w.kernel), py(w.stride),
                       py(p->options().ceil_mode));
  }
  if (const auto* p = dynamic_cast<const BlurPool2d*>(&m)) {
    const Blur2d& o = p->options();
    return helper("BlurPool2d", fmt::format("{}, {}, {}", o.filter_size, o.stride, py(o.padding_mode)));
  }
  if (dynamic_cast<const MaxBlurPool2d*>(&m)) {
    const Blur2d o{.filter_size = described_int(m, "filter", path),
                   .stride = described_int(m, "stride", path),
                   .padding_mode = parse_pad_mode(described(m.describe(), "padding"))};
    require_same(m, MaxBlurPool2d(o), path);
    return helper("MaxBlurPool2d", fmt::format("{}, {}, {}", o.filter_size, o.stride, py(o.padding_mode)));
  }
  if (dynamic_cast<const ConvBlurPool2d*>(&m)) {
    const Tensor weight = m.named_parameters().front().second;  // conv.weight [C, C, 3, 3]
    const ConvBlurPool2dOptions o{.channels = weight.size(0),
                                  .filter_size = described_int(m, "filter", path),
                                  .stride = described_int(m, "stride", path),
                                  .padding_mode = parse_pad_mode(described(m.describe(), "padding"))};
    require_same(m, ConvBlurPool2d(o, 0), path);
    return helper("ConvBlurPool2d",
                  fmt::format("{}, {}, {}, {}", o.channels, o.filter_size, o.stride, py(o.padding_mode)));
  }
  if (const auto* p = dynamic_cast<const ApsPool2d*>(&m)) {
    const ApsPool2dOptions& o = p->options();
    return helper("ApsPool2d", fmt::format("{}, \"{}\", blur_filter={}, blur_padding={}", o.aps.stride,
                                           to_string(o.aps.norm), o.blur_filter, py(o.blur_padding)));
  }
  if (dynamic_cast<const MixedPool2d*>(&m)) {
    const Window w = m.windows().front();
    const Pool2d o{.kernel = w.kernel,
                   .stride = w.stride,
                   .padding = w.padding,
                   .ceil_mode = described(m.describe(), "ceil_mode") == "true",
                   .count_include_pad = described(m.describe(), "count_include_pad") != "false"};
    require_same(m, MixedPool2d(o), path);
    return helper("MixedPool2d", fmt::format("{}, {}, padding={}, ceil_mode={}, count_include_pad={}", py(o.kernel),
                                             py(o.stride), py(o.padding), py(o.ceil_mode), py(o.count_include_pad)));
  }
  if (dynamic_cast<const SoftPool2d*>(&m)) {
    const Window w = m.windows().front();
    require_same(m, SoftPool2d(SoftPool{.kernel = w.kernel, .stride = w.stride}), path);
    return helper("SoftPool2d", fmt::format("{}, {}", py(w.kernel), py(w.stride)));
  }
  if (dynamic_cast<const StochasticPool2d*>(&m)) {
    const Window w = m.windows().front();
    require_same(m, StochasticPool2d({.kernel = w.kernel, .stride = w.stride}), path);
    return helper("StochasticPool2d", fmt::format("{}, {}", py(w.kernel), py(w.stride)));
  }
  throw ConfigError(fmt::format("torch export: no PyTorch equivalent for {} at {}", m.describe(), path));
}
}  // namespace

std::string torch_source(const Model& model) {
  Exporter exporter;
  const std::string features = exporter.module(model.features(), "features", 4);
  const std::string classifier = exporter.module(model.classifier(), "classifier", 4);
  const ModelSpec& spec = model.spec();
  std::string out = fmt::format(
      "# {} for inputs [N, {}], {} classes: the PyTorch equivalent of the poolnet model\n"
      "# (`poolnet inspect --format torch`). build() returns an nn.Module whose state_dict keys are the\n"
      "# names in poolnet's model.safetensors, so load_state_dict(weights, strict=True) loads them.\n"
      "import torch\n"
      "import torch.nn.functional as F\n"
      "from torch import nn\n",
      canonical_name(spec), fmt::join(spec.input, ", "), spec.classes);
  out += torch_snippets::source(exporter.helpers());
  out += fmt::format(R"py(

def build():
    net = nn.Sequential()
    net.add_module("features", {})
    net.add_module("classifier", {})
    return net
)py",
                     features, classifier);
  return out;
}

}  // namespace poolnet
