// The position probe of the `localization` suite (localization.h; docs/metrics.md,
// "localization"): ridge regression from a layer's pooled features to the image's offset on the
// canvas, fitted on the first half of the images and scored by R^2 on the second. Solved in
// double precision with Eigen's LDLT, sequentially (the same bits at any thread count).
#include <fmt/format.h>

#include <Eigen/Dense>

#include "experiments/eval/localization.h"
#include "framework/errors.h"

namespace poolnet {

namespace {
using Matrix = Eigen::MatrixXd;

// Rows [begin, end) of features [N, D] as doubles.
Matrix rows_of(const Tensor& features, int64_t begin, int64_t end) {
  const int64_t D = features.size(1);
  Matrix m(end - begin, D);
  for (int64_t n = begin; n < end; ++n) {
    for (int64_t d = 0; d < D; ++d) m(n - begin, d) = features.data()[n * D + d];
  }
  return m;
}

Matrix targets_of(const std::vector<Placement>& targets, int64_t begin, int64_t end) {
  Matrix m(end - begin, 2);
  for (int64_t n = begin; n < end; ++n) {
    m(n - begin, 0) = static_cast<double>(targets[static_cast<size_t>(n)].dy);
    m(n - begin, 1) = static_cast<double>(targets[static_cast<size_t>(n)].dx);
  }
  return m;
}
}  // namespace

double probe_r2(const Tensor& features, const std::vector<Placement>& targets, double ridge) {
  if (features.dim() != 2 || features.size(0) != static_cast<int64_t>(targets.size()))
    throw ShapeError(
        fmt::format("probe_r2: features {} do not match {} targets", shape_str(features.shape()), targets.size()));
  const int64_t N = features.size(0), fit = N / 2;
  if (fit < 2) throw ConfigError(fmt::format("probe_r2: needs at least 4 images, got {}", N));

  // Standardise with the fit half's mean and (population) standard deviation; a constant
  // feature becomes 0.
  Matrix X = rows_of(features, 0, fit), Xt = rows_of(features, fit, N);
  const Eigen::RowVectorXd mean = X.colwise().mean();
  Eigen::RowVectorXd scale = ((X.rowwise() - mean).array().square().colwise().sum() / static_cast<double>(fit)).sqrt();
  for (Eigen::Index d = 0; d < scale.size(); ++d) scale(d) = scale(d) > 0 ? 1.0 / scale(d) : 0.0;
  X = ((X.rowwise() - mean).array().rowwise() * scale.array()).matrix();
  Xt = ((Xt.rowwise() - mean).array().rowwise() * scale.array()).matrix();

  const Matrix Y = targets_of(targets, 0, fit), Yt = targets_of(targets, fit, N);
  const Eigen::RowVectorXd y_mean = Y.colwise().mean();
  const Matrix Yc = Y.rowwise() - y_mean;

  // B = (X^T X + lambda I)^-1 X^T Y, solved in the smaller of the two equivalent forms:
  // the normal equations (D x D) or, when D > fit, the kernel form X^T (X X^T + lambda I)^-1 Y.
  const auto D = X.cols();
  const double trace = X.squaredNorm();  // trace(X^T X) = trace(X X^T)
  const double lambda = trace > 0 ? ridge * trace / static_cast<double>(D) : ridge;
  Matrix B;
  if (D <= X.rows()) {
    Matrix A = X.transpose() * X;
    A.diagonal().array() += lambda;
    B = A.ldlt().solve(X.transpose() * Yc);
  } else {
    Matrix K = X * X.transpose();
    K.diagonal().array() += lambda;
    B = X.transpose() * K.ldlt().solve(Yc);
  }

  const Matrix predicted = (Xt * B).rowwise() + y_mean;
  double r2 = 0;
  for (int c = 0; c < 2; ++c) {
    const double residual = (Yt.col(c) - predicted.col(c)).squaredNorm();
    const double total = (Yt.col(c).array() - Yt.col(c).mean()).square().sum();
    r2 += 1.0 - residual / total;
  }
  return r2 / 2.0;
}

}  // namespace poolnet
