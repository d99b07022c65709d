// The frequency-domain pooling ops against torch.fft (PyTorch 1.13): tests/golden/spectral.json,
// written by tests/golden/generate_spectral.py (run by hand; this test needs no Python). Each case
// compares the output and the input gradient for the stored upstream gradient.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "framework/ops/ops.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using nlohmann::json;

// float32 FFTs on both sides (FFTW here, pocketfft in PyTorch): rounding, not semantics.
constexpr double kAtol = 2e-5;
constexpr double kRtol = 1e-4;

const json& golden() {
  static const json cases = testing::read_golden_cases("spectral.json");
  return cases;
}

Tensor run(const json& c, const Tensor& x) {
  const std::string op = c.at("op");
  if (op == "spectral_pool2d") return spectral_pool2d(x, {.ratio = c.at("ratio").get<double>()});
  if (op == "flc_pool2d") return flc_pool2d(x);
  if (op == "asap_pool2d") return asap_pool2d(x);
  throw std::runtime_error("unknown op " + op);
}

class SpectralGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(SpectralGolden, MatchesTorchFft) {
  const json& c = testing::case_named(golden(), GetParam());
  Tensor x = testing::tensor_of(c.at("x")).set_requires_grad();
  const Tensor y = run(c, x);
  EXPECT_TRUE(testing::all_close(y, testing::tensor_of(c.at("y")), kAtol, kRtol)) << "output of case " << GetParam();
  y.backward(testing::tensor_of(c.at("gy")));
  EXPECT_TRUE(testing::all_close(x.grad(), testing::tensor_of(c.at("gx")), kAtol, kRtol))
      << "input gradient of case " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Cases, SpectralGolden, ::testing::ValuesIn(testing::case_names(golden())),
                         testing::param_name);

TEST(SpectralGoldenFile, CoversEveryOp) {
  std::map<std::string, int> per_op;
  for (const json& c : golden()) ++per_op[c.at("op").get<std::string>()];
  EXPECT_GE(per_op["spectral_pool2d"], 8);
  EXPECT_GE(per_op["flc_pool2d"], 8);
  EXPECT_GE(per_op["asap_pool2d"], 8);
}

}  // namespace
}  // namespace poolnet
