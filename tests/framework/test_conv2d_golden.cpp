// conv2d against PyTorch: tests/golden/conv2d.json holds outputs and gradients computed by
// tests/golden/generate_conv2d.py (nn.Conv2d semantics, including padding modes and 'same').
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "framework/ops/conv2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/source_dir.h"

namespace poolnet {
namespace {
using nlohmann::json;

json load_golden() {
  const std::string path = testing::source_dir() + "/tests/golden/conv2d.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return json::parse(in);
}

Tensor tensor_of(const json& j) {
  return Tensor::from_vector(j.at("shape").get<Shape>(), j.at("data").get<std::vector<float>>());
}

Size2d size_of(const json& j) { return {j.at(0).get<int64_t>(), j.at(1).get<int64_t>()}; }

TEST(Conv2dGolden, MatchesPyTorchOutputsAndGradients) {
  const json golden = load_golden();
  ASSERT_GE(golden.at("cases").size(), 20u);
  for (const json& c : golden.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Conv2dOptions options{.stride = size_of(c.at("stride")),
                                .padding = size_of(c.at("padding")),
                                .same = c.at("same").get<bool>(),
                                .dilation = size_of(c.at("dilation")),
                                .groups = c.at("groups").get<int64_t>(),
                                .padding_mode = parse_pad_mode(c.at("padding_mode").get<std::string>())};
    Tensor x = tensor_of(c.at("x")).set_requires_grad();
    Tensor w = tensor_of(c.at("weight")).set_requires_grad();
    Tensor b = c.at("bias").is_null() ? Tensor() : tensor_of(c.at("bias")).set_requires_grad();
    Tensor y = conv2d(x, w, b, options);
    EXPECT_TRUE(testing::all_close(y, tensor_of(c.at("y")), 1e-5, 1e-5));
    y.backward(tensor_of(c.at("gy")));
    EXPECT_TRUE(testing::all_close(x.grad(), tensor_of(c.at("gx")), 1e-5, 1e-5)) << "grad input";
    EXPECT_TRUE(testing::all_close(w.grad(), tensor_of(c.at("gweight")), 1e-5, 1e-5)) << "grad weight";
    if (b.defined()) {
      EXPECT_TRUE(testing::all_close(b.grad(), tensor_of(c.at("gbias")), 1e-5, 1e-5)) << "grad bias";
    }
  }
}

}  // namespace
}  // namespace poolnet
