#include "layers/global_max_pool.h"

namespace poolnet {

Tensor GlobalMaxPool::forward(const Tensor& x) { return global_max_pool(x); }

std::string GlobalMaxPool::describe() const { return "GlobalMaxPool()"; }

ModuleConfig GlobalMaxPool::config() const { return {.type = "GlobalMaxPool"}; }

}  // namespace poolnet
