// The statistics of the study report (definitions: docs/metrics.md, "Paired comparisons").
//   describe            mean, sample std and the 95% Student-t confidence half-width of values
//   paired_difference   mean of b[i] - a[i] over pairs, its 95% t interval and the two-sided
//                       paired t-test p (NaN interval and p = 1 with fewer than two pairs or
//                       no spread)
//   mcnemar_exact_p     exact two-sided McNemar test on the discordant counts: the binomial
//                       test of min(b, c) against Binomial(b + c, 1/2)
//   holm                Holm's step-down adjustment of a family of p values
// The distributions come from Boost.Math.
#pragma once

#include <cstdint>
#include <vector>

namespace poolnet {

struct Stats {
  double mean = 0, std = 0, ci95 = 0;
  int64_t n = 0;
};
Stats describe(const std::vector<double>& values);

// t(0.975, dof): the factor of the 95% two-sided interval.
double student_t975(int64_t dof);

struct PairedDifference {
  double diff = 0;     // mean of b - a
  double ci_low = 0, ci_high = 0;
  double p = 1;        // paired t-test, two-sided
  int64_t n = 0;       // pairs
};
PairedDifference paired_difference(const std::vector<double>& a, const std::vector<double>& b);

double mcnemar_exact_p(int64_t b, int64_t c);

// Adjusted p values in the input order: p_(i) * (m - i + 1) over the ascending order, made
// monotone, capped at 1.
std::vector<double> holm(const std::vector<double>& p);

}  // namespace poolnet
