#include "experiments/study/fingerprint.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "experiments/train/tips_loss.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "framework/io/atomic_file.h"
#include "layers/downsample.h"

namespace poolnet {

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::string hex(const unsigned char* digest, unsigned size) {
  std::string out;
  for (unsigned i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

// One digest over chunks fed by `feed` (called with the context until it returns false).
template <class Feed>
std::string sha256(Feed feed) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  const bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 && feed(ctx) &&
                  EVP_DigestFinal_ex(ctx, digest, &size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw IoError("sha256: digest failed");
  return hex(digest, size);
}

std::string num(double v) { return fmt::format("{}", v); }

// The files a data set was read from: DatasetInfo::source is a folder or a file ("" if built in).
std::vector<fs::path> data_files(const std::string& source) {
  std::vector<fs::path> files;
  if (source.empty()) return files;
  std::error_code ec;
  if (fs::is_directory(source, ec)) {
    for (const auto& entry : fs::directory_iterator(source)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  } else if (fs::is_regular_file(source, ec)) {
    files.push_back(source);
  }
  std::sort(files.begin(), files.end());
  return files;
}
}  // namespace

std::string sha256_hex(const std::string& bytes) {
  return sha256([&](EVP_MD_CTX* ctx) { return EVP_DigestUpdate(ctx, bytes.data(), bytes.size()) == 1; });
}

std::string sha256_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot read", path.string()));
  return sha256([&](EVP_MD_CTX* ctx) {
    std::vector<char> buffer(1 << 20);
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      if (in.gcount() > 0 && EVP_DigestUpdate(ctx, buffer.data(), static_cast<size_t>(in.gcount())) != 1) return false;
    }
    return in.eof();
  });
}

DataIdentity data_identity(const TrainConfig& config, const fs::path& cache) {
  DataIdentity id;
  id.name = config.dataset;
  const data::Dataset test = open_test_set(config);
  const std::vector<fs::path> files = data_files(test.info().source);
  if (files.empty()) return id;
  json cached = json::object();
  try {
    std::ifstream in(cache);
    if (in) cached = json::parse(in);
    if (!cached.is_object()) cached = json::object();
  } catch (const json::exception&) {
    cached = json::object();  // rebuilt below
  }
  bool changed = false;
  for (const fs::path& file : files) {
    const std::string key = fs::absolute(file).lexically_normal().string();
    const auto size = static_cast<int64_t>(fs::file_size(file));
    const auto mtime = static_cast<int64_t>(fs::last_write_time(file).time_since_epoch().count());
    std::string digest;
    const auto it = cached.find(key);
    if (it != cached.end() && it->is_object() && it->value("size", int64_t{-1}) == size &&
        it->value("mtime", int64_t{-1}) == mtime) {
      digest = it->value("sha256", "");
    }
    if (digest.size() != 64) {
      digest = sha256_file(file);
      cached[key] = {{"size", size}, {"mtime", mtime}, {"sha256", digest}};
      changed = true;
    }
    id.files.emplace_back(file.filename().string(), digest);
  }
  if (changed) {
    try {
      write_file_atomically(cache.string(), cached.dump(2) + "\n");
    } catch (const IoError&) {
      // the cache only saves time; a read-only or full folder must not stop the study here
    }
  }
  return id;
}

Fingerprint run_fingerprint(const TrainConfig& c, const DataIdentity& data, const std::vector<ShiftMode>& modes,
                            const ShiftEvalOptions& shift) {
  Fingerprint f;
  f["format_version"] = std::to_string(kStudyFormatVersion);
  f["train.train_samples"] = std::to_string(c.train_samples);
  f["train.test_samples"] = std::to_string(c.test_samples);
  f["train.validation"] = num(c.validation);
  if (c.image_size > 0) f["train.image_size"] = std::to_string(c.image_size);  // absent at its default
  f["train.model"] = c.model;
  f["train.downsample"] = c.downsample;
  // Every key of the strategy with the value it takes, defaults included: a default that
  // changes between versions of poolnet changes the fingerprint, not only the spelling.
  const DownsampleSpec spec = parse_downsample(c.downsample);
  for (const StrategyKey& key : find_strategy(spec.name).keys) {
    std::string value = key.unset;
    if (spec.has(key.name)) {
      switch (key.type) {
        case KeyType::kInteger:
          value = std::to_string(spec.integer(key.name));
          break;
        case KeyType::kReal:
          value = num(spec.real(key.name));
          break;
        case KeyType::kFlag:
          value = spec.flag(key.name) ? "true" : "false";
          break;
        case KeyType::kChoice:
        case KeyType::kStride:
          value = spec.choice(key.name);
          break;
      }
    }
    f["strategy." + key.name] = value;
  }
  f["train.head"] = c.head;
  f["train.padding_mode"] = c.padding_mode;
  f["train.width"] = num(c.width);
  f["train.batch_norm"] = c.batch_norm ? "true" : "false";
  f["train.depth"] = std::to_string(c.depth);
  if (c.input_downsample)
    f["train.input_downsample"] = "true";  // absent when off: older folders keep their fingerprints
  f["train.epochs"] = std::to_string(c.epochs);
  f["train.batch"] = std::to_string(c.batch);
  f["train.optimizer"] = c.optimizer;
  f["train.lr"] = num(c.lr);
  f["train.momentum"] = num(c.momentum);
  f["train.nesterov"] = c.nesterov ? "true" : "false";
  f["train.weight_decay"] = num(c.weight_decay);
  f["train.schedule"] = c.schedule;
  f["train.label_smoothing"] = num(c.label_smoothing);
  // Only when set, so that the folders of studies without it keep their fingerprints.
  if (const TipsLoss t = parse_tips_loss(c.tips_loss); t.enabled) f["train.tips_loss"] = to_string(t);
  f["train.augment_shift"] = std::to_string(c.augment_shift);
  f["train.augment_shift_mode"] = canonical_augment_shift_mode(c.augment_shift_mode);
  f["train.augment_crop"] = std::to_string(c.augment_crop);
  f["train.augment_flip"] = c.augment_flip ? "true" : "false";
  f["train.seed"] = std::to_string(c.seed);
  f["data.name"] = data.name;
  std::string names;
  for (const auto& [name, digest] : data.files) {
    names += (names.empty() ? "" : ",") + name;
    f["data.sha256." + name] = digest;
  }
  f["data.files"] = names.empty() ? "built-in" : names;
  std::string mode_names;
  for (ShiftMode m : modes) mode_names += (mode_names.empty() ? "" : ",") + to_string(m);
  f["eval.shift_modes"] = mode_names;
  f["eval.max_shift"] = std::to_string(shift.max_shift);
  f["eval.grid_samples"] = std::to_string(shift.grid_samples);
  f["eval.equivariance_samples"] = std::to_string(shift.equivariance_samples);
  f["eval.seed"] = std::to_string(shift.seed);
  // Only beyond translation alone, so that the folders of studies without other suites keep
  // their fingerprints.
  if (shift.suites != std::vector<std::string>{"translation"}) {
    std::string suite_names;
    for (const auto& s : shift.suites) suite_names += (suite_names.empty() ? "" : ",") + s;
    f["eval.suites"] = suite_names;
    f["eval.suite_samples"] = std::to_string(shift.suite_samples);
  }
  // Only when set, so that the folders of studies without it keep their fingerprints.
  if (!shift.corruption_dir.empty()) f["eval.corruption_dir"] = shift.corruption_dir;
  return f;
}

bool is_evaluation_only(const std::string& key) { return key.rfind("eval.", 0) == 0; }

std::vector<FingerprintDifference> diff_fingerprints(const Fingerprint& recorded, const Fingerprint& current) {
  std::vector<FingerprintDifference> out;
  static const std::string kAbsent = "(absent)";
  for (const auto& [key, value] : recorded) {
    const auto it = current.find(key);
    if (it == current.end())
      out.push_back({key, value, kAbsent});
    else if (it->second != value)
      out.push_back({key, value, it->second});
  }
  for (const auto& [key, value] : current) {
    if (!recorded.count(key)) out.push_back({key, kAbsent, value});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

std::string to_json(const Fingerprint& fingerprint) { return json(fingerprint).dump(2) + "\n"; }

Fingerprint fingerprint_from_json(const std::string& text, const std::string& source) {
  try {
    return json::parse(text).get<Fingerprint>();
  } catch (const json::exception& e) {
    throw DataError(fmt::format("{}: not a run fingerprint ({})", source, e.what()));
  }
}

}  // namespace poolnet
