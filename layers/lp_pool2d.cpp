#include "layers/lp_pool2d.h"

#include <fmt/format.h>

namespace poolnet {

LpPool2d::LpPool2d(float p, Pool2d options) : p_(p), options_(options) {}

Tensor LpPool2d::forward(const Tensor& x) { return lp_pool2d(x, p_, options_); }

std::string LpPool2d::describe() const { return fmt::format("LpPool2d(p={}, {})", p_, to_string(options_)); }

ModuleConfig LpPool2d::config() const {
  ModuleConfig c{"LpPool2d", pool_args(options_)};
  c.args.insert(c.args.begin(), {"p", static_cast<double>(p_)});
  return c;
}

}  // namespace poolnet
