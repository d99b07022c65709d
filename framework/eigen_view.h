// Eigen views of tensor data, for the maths inside op kernels. Include only from .cpp files.
#pragma once

#include <Eigen/Core>

namespace poolnet {

using MatrixRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatMap = Eigen::Map<MatrixRM, Eigen::Unaligned>;
using ConstMatMap = Eigen::Map<const MatrixRM, Eigen::Unaligned>;
using VecMap = Eigen::Map<Eigen::VectorXf, Eigen::Unaligned>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf, Eigen::Unaligned>;

// A rows x cols row-major matrix over raw data.
inline MatMap mat(float* p, int64_t rows, int64_t cols) { return {p, rows, cols}; }
inline ConstMatMap mat(const float* p, int64_t rows, int64_t cols) { return {p, rows, cols}; }
inline VecMap vec(float* p, int64_t n) { return {p, n}; }
inline ConstVecMap vec(const float* p, int64_t n) { return {p, n}; }

}  // namespace poolnet
