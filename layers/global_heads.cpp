#include "layers/global_heads.h"

#include <fmt/format.h>

#include "framework/ops/global_pool_heads.h"

namespace poolnet {

GemPool::GemPool(float p) : p_(register_parameter("p", Tensor::full({1}, p))) {}

Tensor GemPool::forward(const Tensor& x) { return gem_pool(x, p_); }

std::string GemPool::describe() const { return fmt::format("GemPool(p={:g})", p_.data()[0]); }

LsePool::LsePool(float r) : r_(register_parameter("r", Tensor::full({1}, r))) {}

Tensor LsePool::forward(const Tensor& x) { return lse_pool(x, r_); }

std::string LsePool::describe() const { return fmt::format("LsePool(r={:g})", r_.data()[0]); }

}  // namespace poolnet
