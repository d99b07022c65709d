// Run fingerprints: the canonical configuration a study run was trained and evaluated with,
// as flat "key" -> "value" strings, stored in runs/<id>/fingerprint.json before the run is
// trained and compared with the current command's on every re-run.
//
// Keys (every option that can change a result):
//   format_version             kStudyFormatVersion
//   train.<option>             every TrainConfig field that shapes training (train_config.h),
//                              with the strategy as its canonical spec (train.downsample)
//   strategy.<key>             every key of the strategy's registry row with the value it
//                              takes (its default when the spec leaves it out)
//   data.name, data.files      the data set and its files (names, "built-in" for shapes)
//   data.sha256.<file>         SHA-256 of each file, cached by size and mtime (see DataIdentity)
//   eval.<option>              evaluation-only: shift modes, max shift, grid and equivariance
//                              samples, evaluation seed, and the evaluation suites with their
//                              sample count (eval.suites, eval.suite_samples; absent when the
//                              suites are translation alone); a run differing only here is
//                              re-evaluated from its saved model, never retrained
// Not in the fingerprint: timing, --threads (results are bitwise identical at any thread
// count), --data-dir (the files' hashes identify the data), checkpoint_every, detect_anomaly,
// --quiet, --shard.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "experiments/eval/shift_eval.h"
#include "experiments/train/train_config.h"

namespace poolnet {

// Version of the study-folder layout (study.json at the folder's root records it). 3: run
// folders named by grid point, per-image outcomes in eval.json.
inline constexpr int64_t kStudyFormatVersion = 3;

using Fingerprint = std::map<std::string, std::string>;

// SHA-256 of a file's bytes as 64 lowercase hex digits (OpenSSL libcrypto); IoError if unreadable.
std::string sha256_file(const std::filesystem::path& path);
std::string sha256_hex(const std::string& bytes);

// A data set's identity: its name and, for data read from files, each file and its SHA-256.
// Hashes are cached in `cache` (a JSON file) keyed by path, size and mtime, so a file is read
// once; the cache is rewritten atomically and a corrupt cache is ignored.
struct DataIdentity {
  std::string name;
  std::vector<std::pair<std::string, std::string>> files;  // (file name, sha256), sorted
};
DataIdentity data_identity(const TrainConfig& config, const std::filesystem::path& cache);

Fingerprint run_fingerprint(const TrainConfig& config, const DataIdentity& data, const std::vector<ShiftMode>& modes,
                            const ShiftEvalOptions& shift);

// true for keys that only the evaluation depends on (eval.*).
bool is_evaluation_only(const std::string& key);

struct FingerprintDifference {
  std::string key, recorded, current;  // "(absent)" for a key only one side has
};
std::vector<FingerprintDifference> diff_fingerprints(const Fingerprint& recorded, const Fingerprint& current);

std::string to_json(const Fingerprint& fingerprint);
Fingerprint fingerprint_from_json(const std::string& text, const std::string& source);  // DataError names source

}  // namespace poolnet
