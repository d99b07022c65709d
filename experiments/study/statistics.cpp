#include "experiments/study/statistics.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <numeric>

namespace poolnet {

double student_t975(int64_t dof) {
  return boost::math::quantile(boost::math::students_t_distribution<double>(static_cast<double>(dof)), 0.975);
}

Stats describe(const std::vector<double>& values) {
  Stats s;
  s.n = static_cast<int64_t>(values.size());
  if (s.n == 0) return s;
  for (double v : values) s.mean += v / static_cast<double>(s.n);
  if (s.n > 1) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(ss / static_cast<double>(s.n - 1));
    s.ci95 = student_t975(s.n - 1) * s.std / std::sqrt(static_cast<double>(s.n));
  }
  return s;
}

PairedDifference paired_difference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d.push_back(b[i] - a[i]);
  const Stats s = describe(d);
  PairedDifference out;
  out.n = s.n;
  out.diff = s.mean;
  if (s.n < 2 || s.std == 0) {
    out.ci_low = out.ci_high = s.n < 2 ? std::numeric_limits<double>::quiet_NaN() : s.mean;
    out.p = s.n >= 2 && s.mean != 0 ? 0 : 1;  // identical non-zero differences in every pair
    return out;
  }
  out.ci_low = s.mean - s.ci95;
  out.ci_high = s.mean + s.ci95;
  const double t = s.mean / (s.std / std::sqrt(static_cast<double>(s.n)));
  const boost::math::students_t_distribution<double> dist(static_cast<double>(s.n - 1));
  out.p = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(t))));
  return out;
}

double mcnemar_exact_p(int64_t b, int64_t c) {
  const int64_t n = b + c;
  if (n == 0) return 1;
  const boost::math::binomial_distribution<double> dist(static_cast<double>(n), 0.5);
  return std::min(1.0, 2 * boost::math::cdf(dist, static_cast<double>(std::min(b, c))));
}

std::vector<double> holm(const std::vector<double>& p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return p[i] < p[j]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, p[order[k]] * static_cast<double>(m - k)));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

}  // namespace poolnet
