#include "experiments/train/checkpoint.h"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/io/safetensors.h"

namespace poolnet {

namespace {
constexpr const char* kConfigKey = "poolnet.config";

std::string exact(double v) { return fmt::format("{:a}", v); }  // hex float: round-trips exactly

double parse_exact(const std::map<std::string, std::string>& m, const std::string& key, const std::string& source) {
  auto it = m.find(key);
  if (it == m.end()) throw DataError(fmt::format("{}: checkpoint metadata lacks '{}'", source, key));
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0') {
    throw DataError(fmt::format("{}: checkpoint metadata '{}' is not a number: '{}'", source, key, it->second));
  }
  return v;
}

NamedTensors prefixed(const NamedTensors& tensors, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [name, t] : tensors) out.emplace_back(prefix + name, t);
  return out;
}

NamedTensors with_prefix(const NamedTensors& tensors, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [name, t] : tensors) {
    if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), t);
  }
  return out;
}

// Whether a checkpoint's stored configuration is `config`, also when it was written before
// --augment-shift-mode spelled "zeros" (as "zero").
bool written_with(const std::string& stored, const TrainConfig& config) {
  if (stored == to_json(config)) return true;
  TrainConfig old_spelling = config;
  if (old_spelling.augment_shift_mode != "zeros") return false;
  old_spelling.augment_shift_mode = "zero";
  return stored == to_json(old_spelling);
}

std::map<std::string, std::string> config_metadata(const Model& model, const TrainConfig& config) {
  auto metadata = to_metadata(model.spec());
  metadata[kConfigKey] = to_json(config);
  return metadata;
}
}  // namespace

NamedTensors model_state(const Model& model) {
  NamedTensors state = model.named_parameters();
  for (auto& b : model.named_buffers()) state.push_back(b);
  return state;
}

void save_model(const std::filesystem::path& path, const Model& model, const TrainConfig& config) {
  save_safetensors(path.string(), model_state(model), config_metadata(model, config));
}

std::shared_ptr<Model> load_model(const std::filesystem::path& path, TrainConfig* config) {
  const SafetensorsFile file = load_safetensors(path.string());
  ModelSpec spec;
  try {
    spec = model_spec_from_metadata(file.metadata);
  } catch (const ConfigError& e) {
    throw DataError(fmt::format("{}: not a poolnet model checkpoint ({})", path.string(), e.what()));
  }
  auto model = build_model(spec, 0);
  copy_tensors_into(model_state(*model), file.tensors, path.string());
  if (config != nullptr) {
    auto it = file.metadata.find(kConfigKey);
    if (it != file.metadata.end()) *config = train_config_from_json(it->second);
  }
  model->eval();
  return model;
}

void save_checkpoint(const std::filesystem::path& path, const Model& model, const Optimizer& optimizer,
                     const TrainConfig& config, const TrainPosition& p) {
  NamedTensors tensors = prefixed(model_state(model), "model.");
  for (auto& t : prefixed(optimizer.state(), "optimizer.")) tensors.push_back(t);
  auto metadata = config_metadata(model, config);
  metadata["poolnet.epoch"] = std::to_string(p.epoch);
  metadata["poolnet.batch"] = std::to_string(p.batch);
  metadata["poolnet.step"] = std::to_string(p.step);
  metadata["poolnet.loss_sum"] = exact(p.loss_sum);
  metadata["poolnet.correct"] = std::to_string(p.correct);
  metadata["poolnet.seen"] = std::to_string(p.seen);
  metadata["poolnet.history"] = to_json(p.history);
  for (const auto& [name, counter] : model.named_counters()) metadata["poolnet.counter." + name] = std::to_string(*counter);
  save_safetensors(path.string(), tensors, metadata);
}

TrainPosition load_checkpoint(const std::filesystem::path& path, Model& model, Optimizer& optimizer,
                              const TrainConfig& config) {
  const std::string source = path.string();
  const SafetensorsFile file = load_safetensors(source);
  auto it = file.metadata.find(kConfigKey);
  if (it == file.metadata.end()) throw DataError(fmt::format("{}: not a poolnet training checkpoint", source));
  if (!written_with(it->second, config)) {
    throw ConfigError(fmt::format("{}: the checkpoint was written with other settings; resume with the same options "
                                  "or start a new run in another folder (checkpoint: {})",
                                  source, it->second));
  }
  copy_tensors_into(model_state(model), with_prefix(file.tensors, "model."), source);
  optimizer.load_state(with_prefix(file.tensors, "optimizer."));
  TrainPosition p;
  p.epoch = static_cast<int64_t>(parse_exact(file.metadata, "poolnet.epoch", source));
  p.batch = static_cast<int64_t>(parse_exact(file.metadata, "poolnet.batch", source));
  p.step = static_cast<int64_t>(parse_exact(file.metadata, "poolnet.step", source));
  p.loss_sum = parse_exact(file.metadata, "poolnet.loss_sum", source);
  p.correct = static_cast<int64_t>(parse_exact(file.metadata, "poolnet.correct", source));
  p.seen = static_cast<int64_t>(parse_exact(file.metadata, "poolnet.seen", source));
  p.history = train_history_from_json(file.metadata.at("poolnet.history"), source);
  for (const auto& [name, counter] : model.named_counters()) {
    *counter = static_cast<uint64_t>(parse_exact(file.metadata, "poolnet.counter." + name, source));
  }
  return p;
}

}  // namespace poolnet

namespace poolnet {

namespace {
// The first tensor holding a NaN or an infinity, or nullptr.
const std::string* first_non_finite(const NamedTensors& tensors) {
  for (const auto& [name, t] : tensors) {
    const float* p = t.data();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) {
      if (!std::isfinite(p[i])) return &name;
    }
  }
  return nullptr;
}
}  // namespace

std::filesystem::path previous_checkpoint_path(const std::filesystem::path& path) {
  return path.parent_path() / (path.stem().string() + ".prev" + path.extension().string());
}

void save_rotated_checkpoint(const std::filesystem::path& path, const Model& model, const Optimizer& optimizer,
                             const TrainConfig& config, const TrainPosition& position) {
  const NamedTensors weights = model_state(model);
  const NamedTensors state = optimizer.state();
  const std::string* bad = first_non_finite(weights);
  if (bad == nullptr) bad = first_non_finite(state);
  if (bad != nullptr) {
    throw NumericalError(fmt::format("checkpoint: '{}' holds a NaN or infinity at epoch {}, step {}; not saved, so {} "
                                     "stays the last good checkpoint",
                                     *bad, position.epoch + 1, position.step, path.string()));
  }
  if (std::filesystem::exists(path)) {
    // The newest becomes the previous one through a hard link renamed into place: `path` itself
    // is never missing, and if the new checkpoint cannot be written both files stay complete.
    const std::filesystem::path previous = previous_checkpoint_path(path);
    const std::filesystem::path link = previous.string() + ".link";
    std::error_code error;
    std::filesystem::remove(link, error);
    std::filesystem::create_hard_link(path, link, error);
    if (error) std::filesystem::copy_file(path, link, std::filesystem::copy_options::overwrite_existing, error);
    if (!error) std::filesystem::rename(link, previous, error);
    if (error) {
      std::error_code ignored;
      std::filesystem::remove(link, ignored);
      throw IoError(fmt::format("checkpoint: cannot keep {} as {}: {}", path.string(), previous.string(),
                                error.message()));
    }
  }
  save_checkpoint(path, model, optimizer, config, position);
}

std::optional<TrainPosition> load_latest_checkpoint(const std::filesystem::path& path, Model& model,
                                                    Optimizer& optimizer, const TrainConfig& config,
                                                    std::vector<std::string>& warnings) {
  std::vector<std::string> problems;
  bool any = false;
  for (const auto& candidate : {path, previous_checkpoint_path(path)}) {
    if (!std::filesystem::exists(candidate)) continue;
    any = true;
    try {
      TrainPosition position = load_checkpoint(candidate, model, optimizer, config);
      for (const std::string& p : problems) {
        warnings.push_back(fmt::format("{}; resuming from the previous checkpoint {}", p, candidate.string()));
      }
      return position;
    } catch (const DataError& e) {
      problems.push_back(fmt::format("checkpoint {} is unreadable ({})", candidate.string(), e.what()));
    } catch (const IoError& e) {
      problems.push_back(fmt::format("checkpoint {} is unreadable ({})", candidate.string(), e.what()));
    }
  }
  if (!any) return std::nullopt;
  throw DataError(fmt::format("checkpoint: no intact checkpoint to resume from: {}", fmt::join(problems, "; ")));
}

}  // namespace poolnet
