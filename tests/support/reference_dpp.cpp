#include "tests/support/reference_dpp.h"

#include <algorithm>
#include <cmath>

namespace poolnet::reference {

Tensor dpp_pool(const Tensor& x, const std::vector<double>& log_alpha, const std::vector<double>& log_lambda,
                int64_t kh, int64_t kw) {
  const int64_t N = x.size(0), C = x.size(1), OH = x.size(2) / kh, OW = x.size(3) / kw, K = kh * kw;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const double alpha = std::exp(std::min(log_alpha[c], 10.0)), lambda = std::exp(log_lambda[c]);
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          std::vector<double> v;
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j) v.push_back(x.at({n, c, oh * kh + i, ow * kw + j}));
          double guide = 0;
          for (double value : v) guide += value / static_cast<double>(K);
          std::vector<double> s;
          double s_mean = 0;
          for (double value : v) {
            s.push_back((value - guide) * (value - guide) + 1e-3);
            s_mean += s.back() / static_cast<double>(K);
          }
          double num = 0, den = 0;
          for (int64_t i = 0; i < K; ++i) {
            const double w = alpha + std::pow(std::sqrt(s[i] / s_mean), lambda);
            num += w * v[i];
            den += w;
          }
          y.at({n, c, oh, ow}) = static_cast<float>(num / den);
        }
    }
  return y;
}

}  // namespace poolnet::reference
