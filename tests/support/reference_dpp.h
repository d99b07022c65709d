// Deliberately naive detail-preserving pooling (Saeedan et al. 2018, symmetric lite, the authors'
// DPP_sym_lite.lua graph written out per window), in double.
#pragma once

#include <vector>

#include "framework/tensor.h"

namespace poolnet::reference {

// Non-overlapping kh x kw windows (floor mode); per channel c: alpha = exp(min(log_alpha[c], 10)),
// lambda = exp(log_lambda[c]); per window: guide = mean, s = (v - guide)^2 + 1e-3,
// w = alpha + (s / mean(s))^(lambda / 2), y = sum w v / sum w.
Tensor dpp_pool(const Tensor& x, const std::vector<double>& log_alpha, const std::vector<double>& log_lambda,
                int64_t kh, int64_t kw);

}  // namespace poolnet::reference
