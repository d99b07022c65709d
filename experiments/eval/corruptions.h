// Built-in image corruptions in the style of MNIST-C (Mu & Gilmer 2019) and ImageNet-C
// (Hendrycks & Dietterich 2019), for the `corruption` evaluation suite (docs/metrics.md, where
// each corruption's parameters at severities 1..3 are listed).
//
// corrupt(x, kind, severity, seed, first_index): raw images x [N,C,H,W] in [0, 1] -> corrupted
// copies, values clamped to [0, 1] where the corruption adds or scales. Image n draws its random
// numbers from RandomStream(seed, stream_id(kCorruptionStream, kind, first_index + n)) only, so
// an image's corruption depends on (seed, kind, severity, its test-set index) and never on the
// batch it is in or the thread count. Severity 0 returns x unchanged.
#pragma once

#include <string>
#include <vector>

#include "framework/tensor.h"

namespace poolnet {

inline constexpr uint64_t kCorruptionStream = 0xC022;
inline constexpr int kCorruptionSeverities = 3;

// The corruption names, in the order of corruption.csv.
const std::vector<std::string>& corruption_names();
// Index into corruption_names(); ConfigError listing the valid names.
int corruption_index(const std::string& name);
// The parameter of a corruption at severities 1..3 and what it means ("sigma", "lines", ...).
double corruption_level(int kind, int severity);

Tensor corrupt(const Tensor& x, int kind, int severity, uint64_t seed, int64_t first_index);

}  // namespace poolnet
