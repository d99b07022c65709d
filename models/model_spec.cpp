#include "models/model_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/errors.h"

namespace poolnet {

namespace {
bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string get(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find("poolnet.model." + key);
  if (it == m.end()) throw ConfigError(fmt::format("model metadata: missing key 'poolnet.model.{}'", key));
  return it->second;
}

int64_t to_int(const std::string& s, const std::string& what) {
  try {
    size_t used = 0;
    const int64_t v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  throw ConfigError(fmt::format("model metadata: '{}' is not an integer for {}", s, what));
}
}  // namespace

const std::vector<std::string>& model_families() {
  static const std::vector<std::string> names{"lenet", "vgg", "allconv", "resnet"};
  return names;
}

const std::vector<std::string>& head_names() {
  static const std::vector<std::string> names{"flatten", "gap", "gmp", "gap_gmp", "gem", "lse", "simpool", "attn_pool"};
  return names;
}

HeadSpec parse_head(const std::string& head) {
  const size_t colon = head.find(':');
  HeadSpec h{.name = head.substr(0, colon)};
  if (!contains(head_names(), h.name)) {
    throw ConfigError(fmt::format("model: unknown head '{}' (valid: {})", head, head_help()));
  }
  if (colon == std::string::npos) return h;
  const std::string keys = head.substr(colon + 1);
  const bool attention = h.name == "simpool" || h.name == "attn_pool";
  if (!attention || keys.rfind("heads=", 0) != 0) {
    throw ConfigError(
        fmt::format("model: head '{}': {}", head, attention ? "the only key is heads=H" : h.name + " takes no keys"));
  }
  try {
    size_t used = 0;
    h.heads = std::stoll(keys.substr(6), &used);
    if (used == keys.size() - 6 && h.heads >= 1) return h;
  } catch (const std::exception&) {
  }
  throw ConfigError(fmt::format("model: head '{}': heads must be an integer >= 1", head));
}

std::string head_help() { return fmt::format("{}[:heads=H]", fmt::join(head_names(), " | ")); }

void validate(const ModelSpec& spec) {
  if (!contains(model_families(), spec.family)) {
    throw ConfigError(
        fmt::format("model: unknown family '{}' (valid: {})", spec.family, fmt::join(model_families(), ", ")));
  }
  parse_head(spec.head);
  if (!(spec.width > 0.0 && spec.width <= 16.0)) {
    throw ConfigError(fmt::format("model: width must be in (0, 16], got {}", spec.width));
  }
  if (spec.input.size() != 3 || spec.input[0] < 1 || spec.input[1] < 4 || spec.input[2] < 4) {
    throw ConfigError(
        fmt::format("model: input must be C,H,W with C >= 1 and H, W >= 4, got {}", shape_str(spec.input)));
  }
  if (spec.classes < 2) throw ConfigError(fmt::format("model: need at least 2 classes, got {}", spec.classes));
  if (spec.padding_mode == PadMode::kReflect) {
    throw ConfigError("model: padding mode must be zeros or circular, got reflect");
  }
  if (spec.input_downsample && spec.family == "resnet") {
    throw ConfigError(
        "model: input downsampling applies to lenet, vgg and allconv, not resnet (its stem and "
        "shortcuts fix where it downsamples)");
  }
  if (spec.family == "resnet" && (spec.depth < 8 || (spec.depth - 2) % 6 != 0)) {
    throw ConfigError(
        fmt::format("model: resnet depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 56), got {}", spec.depth));
  }
}

std::string canonical_name(const ModelSpec& spec) {
  std::string name = fmt::format("{}[{},head={}", spec.family, to_string(spec.downsample), spec.head);
  if (spec.width != 1.0) name += fmt::format(",width={}", spec.width);
  if (spec.padding_mode != PadMode::kZeros) name += ",pad=" + to_string(spec.padding_mode);
  if (spec.batch_norm) name += ",bn";
  if (spec.family == "resnet") name += fmt::format(",depth={}", spec.depth);
  if (spec.family == "vgg" && spec.extra_stage) name += ",extra_stage";
  if (spec.input_downsample) name += ",input_down";
  return name + "]";
}

std::map<std::string, std::string> to_metadata(const ModelSpec& spec) {
  return {{"poolnet.model.family", spec.family},
          {"poolnet.model.downsample", to_string(spec.downsample)},
          {"poolnet.model.head", spec.head},
          {"poolnet.model.width", fmt::format("{}", spec.width)},
          {"poolnet.model.input", fmt::format("{}", fmt::join(spec.input, ","))},
          {"poolnet.model.classes", std::to_string(spec.classes)},
          {"poolnet.model.padding_mode", to_string(spec.padding_mode)},
          {"poolnet.model.batch_norm", spec.batch_norm ? "true" : "false"},
          {"poolnet.model.depth", std::to_string(spec.depth)},
          {"poolnet.model.extra_stage", spec.extra_stage ? "true" : "false"},
          {"poolnet.model.input_downsample", spec.input_downsample ? "true" : "false"},
          {"poolnet.model.name", canonical_name(spec)}};
}

ModelSpec model_spec_from_metadata(const std::map<std::string, std::string>& metadata) {
  ModelSpec spec;
  spec.family = get(metadata, "family");
  spec.downsample = parse_downsample(get(metadata, "downsample"));
  spec.head = get(metadata, "head");
  try {
    spec.width = std::stod(get(metadata, "width"));
  } catch (const std::logic_error&) {
    throw ConfigError(fmt::format("model metadata: bad width '{}'", get(metadata, "width")));
  }
  spec.input.clear();
  std::string input = get(metadata, "input");
  for (size_t start = 0; start <= input.size();) {
    const size_t comma = std::min(input.find(',', start), input.size());
    spec.input.push_back(to_int(input.substr(start, comma - start), "input"));
    start = comma + 1;
  }
  spec.classes = to_int(get(metadata, "classes"), "classes");
  spec.padding_mode = parse_pad_mode(get(metadata, "padding_mode"));
  spec.batch_norm = get(metadata, "batch_norm") == "true";
  spec.depth = to_int(get(metadata, "depth"), "depth");
  spec.extra_stage = get(metadata, "extra_stage") == "true";
  // Absent from checkpoints written before the option existed: those models have no such layer.
  spec.input_downsample =
      metadata.count("poolnet.model.input_downsample") > 0 && get(metadata, "input_downsample") == "true";
  validate(spec);
  return spec;
}

int64_t scaled(int64_t channels, double width) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::lround(static_cast<double>(channels) * width)));
}

}  // namespace poolnet
