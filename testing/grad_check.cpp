#include "testing/grad_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet::testing {

namespace {
double weighted_sum(const Tensor& y, const Tensor& r) {
  double s = 0.0;
  for (int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y.data()[i]) * r.data()[i];
  return s;
}

std::string index_str(const Shape& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  return fmt::format("[{}]", fmt::join(idx, ","));
}
}  // namespace

CheckResult grad_check(const TensorFn& f, std::vector<Tensor> inputs, GradCheckOptions options) {
  for (Tensor& t : inputs) t.zero_grad();
  Tensor y = f(inputs);
  const Tensor r = random_tensor(y.shape(), options.seed);
  Tensor loss = sum(mul(y, r));
  loss.backward();

  const auto numeric = [&](Tensor& x, int64_t i, double eps) {
    NoGradGuard no_grad;
    float* p = x.data() + i;
    const float saved = *p;
    *p = static_cast<float>(saved + eps);
    const double up = weighted_sum(f(inputs), r);
    *p = static_cast<float>(saved - eps);
    const double down = weighted_sum(f(inputs), r);
    *p = saved;
    return (up - down) / (2.0 * eps);
  };

  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    const Tensor g = x.grad();
    double worst = 0.0;
    std::string worst_msg;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double analytic = g.defined() ? g.data()[i] : 0.0;
      double num = numeric(x, i, options.eps);
      double err = std::fabs(analytic - num) - (options.atol + options.rtol * std::fabs(num));
      if (err > 0.0) {
        num = numeric(x, i, options.eps / 2);
        err = std::fabs(analytic - num) - (options.atol + options.rtol * std::fabs(num));
      }
      if (err > worst) {
        worst = err;
        worst_msg = fmt::format("input {} {} at {}: analytic {:.6g}, numeric {:.6g}", k, shape_str(x.shape()),
                                index_str(x.shape(), i), analytic, num);
      }
    }
    if (worst > 0.0) return CheckResult::fail("gradient mismatch, worst element: ", worst_msg);
  }
  return CheckResult::pass();
}

Tensor random_tensor(const Shape& shape, uint64_t seed, float low, float high) {
  return Tensor::uniform(shape, low, high, seed);
}

Tensor separated_tensor(const Shape& shape, uint64_t seed, float gap) {
  Tensor t = Tensor::empty(shape);
  const int64_t n = t.numel();
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  const RandomStream rng(seed, 0);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng.below(i, i + 1))]);
  for (int64_t i = 0; i < n; ++i) t.data()[i] = (static_cast<float>(order[static_cast<size_t>(i)]) - n / 2.0f) * gap;
  return t;
}

void with_threads(int n, const std::function<void()>& f) {
  parallel::set_num_threads(n);
  try {
    f();
  } catch (...) {
    parallel::set_num_threads(0);
    throw;
  }
  parallel::set_num_threads(0);
}

CheckResult bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) {
    return CheckResult::fail("shapes differ: ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
  }
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) != 0) {
    for (int64_t i = 0; i < a.numel(); ++i) {
      if (std::memcmp(a.data() + i, b.data() + i, sizeof(float)) != 0) {
        return CheckResult::fail("first difference at flat index ", i, ": ", a.data()[i], " vs ", b.data()[i]);
      }
    }
  }
  return CheckResult::pass();
}

CheckResult all_close(const Tensor& a, const Tensor& b, double atol, double rtol) {
  if (a.shape() != b.shape()) {
    return CheckResult::fail("shapes differ: ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
  }
  double worst = 0.0;
  int64_t at = -1;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data()[i], y = b.data()[i];
    if (std::isnan(x) && std::isnan(y)) continue;
    const double err = std::fabs(x - y) - (atol + rtol * std::fabs(y));
    if (err > worst || std::isnan(err)) {
      worst = std::isnan(err) ? INFINITY : err;
      at = i;
    }
  }
  if (at >= 0) {
    return CheckResult::fail("worst mismatch at ", index_str(a.shape(), at), ": ", a.data()[at], " vs ", b.data()[at]);
  }
  return CheckResult::pass();
}

}  // namespace poolnet::testing
