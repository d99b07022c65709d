#include "models/torch_export.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "models/torch_modules_source.h"

namespace poolnet {

namespace {
// A ModuleConfig value as a Python literal.
std::string py(const ConfigValue& value) {
  struct Literal {
    std::string operator()(bool b) const { return b ? "True" : "False"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return fmt::format("\"{}\"", s); }
    std::string operator()(Size2d s) const { return fmt::format("({}, {})", s.h, s.w); }
  };
  return std::visit(Literal{}, value);
}

std::string call(const std::string& head, const std::vector<std::string>& items, int indent) {
  if (items.empty()) return head + "()";
  const std::string pad(static_cast<size_t>(indent + 4), ' ');
  std::string out = head + "(\n";
  for (const std::string& item : items) out += pad + item + ",\n";
  return out + std::string(static_cast<size_t>(indent), ' ') + ")";
}

// `Type(arg=value, ..., child=...)` from the module's config; a Sequential's children are
// positional and must be named by their index.
std::string module_source(const Module& m, const std::string& path, int indent) {
  const ModuleConfig config = m.config();
  if (config.type.empty()) {
    throw ConfigError(fmt::format("torch export: no PyTorch equivalent for {} at {}", m.describe(), path));
  }
  const bool sequential = config.type == "Sequential";
  std::vector<std::string> items;
  for (const auto& [name, value] : config.args) items.push_back(fmt::format("{}={}", name, py(value)));
  for (size_t i = 0; i < m.children().size(); ++i) {
    const auto& [name, child] = m.children()[i];
    const std::string source = module_source(*child, path + "." + name, indent + 4);
    if (!sequential) {
      items.push_back(fmt::format("{}={}", name, source));
    } else if (name == std::to_string(i)) {
      items.push_back(source);
    } else {
      throw ConfigError(fmt::format("torch export: child '{}' of {} is not named by its index", name, path));
    }
  }
  return call(config.type, items, indent);
}
}  // namespace

std::string torch_source(const Model& model) {
  const ModelSpec& spec = model.spec();
  return fmt::format(
      "# {} for inputs [N, {}], {} classes: the PyTorch equivalent of the poolnet model\n"
      "# (`poolnet inspect --format torch`). build() returns an nn.Module whose state_dict keys are the\n"
      "# names in poolnet's model.safetensors, so load_state_dict(weights, strict=True) loads them.\n"
      "{}\n\n"
      "def build():\n"
      "    net = nn.Sequential()\n"
      "    net.add_module(\"features\", {})\n"
      "    net.add_module(\"classifier\", {})\n"
      "    return net\n",
      canonical_name(spec), fmt::join(spec.input, ", "), spec.classes, kTorchModulesSource,
      module_source(model.features(), "features", 4), module_source(model.classifier(), "classifier", 4));
}

}  // namespace poolnet
