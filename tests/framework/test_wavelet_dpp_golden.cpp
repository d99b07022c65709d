// wavelet_pool2d and dpp_pool2d against PyTorch 1.13: tests/golden/wavelet_dpp.json, written by
// tests/golden/generate_wavelet_dpp.py (run by hand; this test needs no Python) from the published
// formulas: the wavelet filter bank as a convolution with circular padding, DPP's lite graph as
// the authors wrote it. Each case compares the output and the gradients for the stored upstream
// gradient (of the input, and for dpp of log_alpha and log_lambda).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "framework/ops/ops.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using nlohmann::json;

const json& golden() {
  static const json cases = testing::read_golden_cases("wavelet_dpp.json");
  return cases;
}

class WaveletDppGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(WaveletDppGolden, MatchesPyTorch) {
  const json& c = testing::case_named(golden(), GetParam());
  Tensor x = testing::tensor_of(c.at("x")).set_requires_grad();
  const bool dpp = c.at("op") == "dpp_pool2d";
  Tensor log_alpha, log_lambda, y;
  if (dpp) {
    log_alpha = testing::tensor_of(c.at("log_alpha")).set_requires_grad();
    log_lambda = testing::tensor_of(c.at("log_lambda")).set_requires_grad();
    const Size2d window{c.at("window").at(0).get<int64_t>(), c.at("window").at(1).get<int64_t>()};
    y = dpp_pool2d(x, log_alpha, log_lambda, {.window = window});
  } else {
    y = wavelet_pool2d(x, {.wavelet = parse_wavelet(c.at("wavelet").get<std::string>())});
  }
  EXPECT_TRUE(testing::all_close(y, testing::tensor_of(c.at("y")), 1e-6, 1e-5)) << "output of " << GetParam();
  y.backward(testing::tensor_of(c.at("gy")));
  EXPECT_TRUE(testing::all_close(x.grad(), testing::tensor_of(c.at("gx")), 1e-5, 1e-4))
      << "input gradient of " << GetParam();
  if (dpp) {
    EXPECT_TRUE(testing::all_close(log_alpha.grad(), testing::tensor_of(c.at("g_log_alpha")), 1e-5, 1e-4))
        << "log_alpha gradient of " << GetParam();
    EXPECT_TRUE(testing::all_close(log_lambda.grad(), testing::tensor_of(c.at("g_log_lambda")), 1e-5, 1e-4))
        << "log_lambda gradient of " << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, WaveletDppGolden, ::testing::ValuesIn(testing::case_names(golden())),
                         testing::param_name);

}  // namespace
}  // namespace poolnet
