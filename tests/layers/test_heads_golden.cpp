// The global heads against PyTorch (tests/golden/generate_heads.py): output and the gradients of
// sum(y * gy) with respect to the input and every parameter, by PyTorch's parameter names.
#include <gtest/gtest.h>

#include <memory>

#include "framework/ops/ops.h"
#include "layers/attention_heads.h"
#include "layers/global_heads.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::tensor_of;

const nlohmann::json& cases() {
  static const nlohmann::json all = testing::read_golden_cases("heads.json");
  return all;
}

std::unique_ptr<Module> make(const nlohmann::json& c) {
  const std::string head = c.at("head");
  const int64_t channels = c.at("channels"), heads = c.at("heads");
  if (head == "gem") return std::make_unique<GemPool>();
  if (head == "lse") return std::make_unique<LsePool>();
  if (head == "simpool") return std::make_unique<SimPool2d>(channels, heads, 0);
  return std::make_unique<AttentionPool2d>(channels, Size2d{c.at("size")[0], c.at("size")[1]}, heads, 0);
}

class HeadsGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(HeadsGolden, OutputAndGradientsMatchPyTorch) {
  const nlohmann::json& c = testing::case_named(cases(), GetParam());
  auto m = make(c);
  for (const auto& [name, p] : m->named_parameters()) {
    const Tensor want = tensor_of(c.at("params").at(name));
    ASSERT_EQ(p.shape(), want.shape()) << name;
    std::copy(want.data(), want.data() + want.numel(), p.data());
  }
  Tensor x = tensor_of(c.at("x")).set_requires_grad();
  const Tensor y = m->forward(x);
  EXPECT_TRUE(all_close(y, tensor_of(c.at("y")), 1e-5, 1e-4));
  sum(mul(y, tensor_of(c.at("gy")))).backward();
  EXPECT_TRUE(all_close(x.grad(), tensor_of(c.at("gx")), 1e-5, 1e-3));
  for (const auto& [name, p] : m->named_parameters()) {
    EXPECT_TRUE(all_close(p.grad(), tensor_of(c.at("grads").at(name)), 1e-5, 1e-3)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, HeadsGolden, ::testing::ValuesIn(testing::case_names(cases())), testing::param_name);

}  // namespace
}  // namespace poolnet
