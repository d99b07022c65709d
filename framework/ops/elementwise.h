// Elementwise ops.
//
// Binary: add, sub, mul, div with NumPy/PyTorch broadcasting (a [..] , b [..] -> broadcast
// shape; a dimension of 1 stretches). Gradients are summed back over stretched dimensions:
//   d(a+b) = (g, g), d(a-b) = (g, -g), d(a*b) = (g*b, g*a), d(a/b) = (g/b, -g*a/b^2).
// Scalar forms: add(x, s), mul(x, s).
//
// Unary (x -> y of the same shape), with dy/dx:
//   neg: -1; exp: y; log: 1/x; relu: [x>0]; leaky_relu(slope): x>0 ? 1 : slope;
//   sigmoid: y(1-y); tanh: 1-y^2; pow(x, p): p x^(p-1); abs: sign(x); sqrt: 1/(2y).
// NaN propagates through every op (relu(NaN) = NaN, as in PyTorch).
#pragma once

#include "framework/tensor.h"

namespace poolnet {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& x, float s);
Tensor mul(const Tensor& x, float s);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor relu(const Tensor& x);
// relu's value of one element, and relu applied in place to n floats (no autograd: for kernels
// that fuse it into their output, as conv2d's Conv2dOptions::relu).
inline float relu_value(float v) { return v > 0.0f || v != v ? v : 0.0f; }
void relu_in_place(float* y, int64_t n);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor pow(const Tensor& x, float p);
Tensor abs(const Tensor& x);
Tensor sqrt(const Tensor& x);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& x, float s) { return add(x, s); }
inline Tensor operator*(const Tensor& x, float s) { return mul(x, s); }
inline Tensor operator*(float s, const Tensor& x) { return mul(x, s); }

}  // namespace poolnet
