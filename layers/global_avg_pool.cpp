#include "layers/global_avg_pool.h"

namespace poolnet {

Tensor GlobalAvgPool::forward(const Tensor& x) { return global_avg_pool(x); }

std::string GlobalAvgPool::describe() const { return "GlobalAvgPool()"; }

ModuleConfig GlobalAvgPool::config() const { return {.type = "GlobalAvgPool"}; }

}  // namespace poolnet
