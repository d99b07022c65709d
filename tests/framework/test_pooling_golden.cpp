// Every pooling op against PyTorch 1.13: tests/golden/pooling.json, written by
// tests/golden/generate.py (run by hand; this test needs no Python). Each case compares the
// output, the input gradient for the stored upstream gradient, and max pooling's indices.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "framework/ops/ops.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using nlohmann::json;

constexpr double kAtol = 1e-6;
constexpr double kRtol = 1e-5;

const json& golden() {
  static const json cases = testing::read_golden_cases("pooling.json");
  return cases;
}

Size2d size_of(const json& j) { return {j.at(0).get<int64_t>(), j.at(1).get<int64_t>()}; }

Pool2d options_of(const json& c) {
  Pool2d o{.kernel = size_of(c.at("kernel")), .stride = size_of(c.at("stride")), .ceil_mode = c.at("ceil_mode")};
  if (c.contains("padding")) o.padding = size_of(c.at("padding"));
  if (c.contains("dilation")) o.dilation = size_of(c.at("dilation"));
  if (c.contains("count_include_pad")) o.count_include_pad = c.at("count_include_pad");
  if (c.contains("divisor_override")) o.divisor_override = c.at("divisor_override");
  return o;
}

// Runs the case's op on x; `indices` receives max_pool2d's argmax.
Tensor run(const json& c, const Tensor& x, std::vector<int64_t>* indices) {
  const std::string op = c.at("op");
  if (op == "max_pool2d") {
    MaxPoolResult r = max_pool2d_with_indices(x, options_of(c));
    *indices = r.indices.values;
    return r.output;
  }
  if (op == "avg_pool2d") return avg_pool2d(x, options_of(c));
  if (op == "lp_pool2d") return lp_pool2d(x, c.at("p").get<float>(), options_of(c));
  if (op == "adaptive_avg_pool2d") return adaptive_avg_pool2d(x, size_of(c.at("output_size")));
  if (op == "adaptive_max_pool2d") return adaptive_max_pool2d(x, size_of(c.at("output_size")));
  if (op == "max_unpool2d") {
    const PoolIndices idx{x.shape(), c.at("indices").get<std::vector<int64_t>>()};
    return max_unpool2d(x, idx, size_of(c.at("output_size")));
  }
  throw std::runtime_error("unknown op " + op);
}

class PoolingGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(PoolingGolden, MatchesPyTorch) {
  const json& c = testing::case_named(golden(), GetParam());
  Tensor x = testing::tensor_of(c.at("x")).set_requires_grad();
  std::vector<int64_t> indices;
  const Tensor y = run(c, x, &indices);
  EXPECT_TRUE(testing::all_close(y, testing::tensor_of(c.at("y")), kAtol, kRtol)) << "output of case " << GetParam();
  if (c.at("op") == "max_pool2d") {
    EXPECT_EQ(indices, c.at("indices").get<std::vector<int64_t>>()) << "indices of case " << GetParam();
  }
  y.backward(testing::tensor_of(c.at("gy")));
  EXPECT_TRUE(testing::all_close(x.grad(), testing::tensor_of(c.at("gx")), kAtol, kRtol))
      << "input gradient of case " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Cases, PoolingGolden, ::testing::ValuesIn(testing::case_names(golden())), testing::param_name);

TEST(PoolingGoldenFile, CoversEveryOpWithEnoughCases) {
  std::map<std::string, int> per_op;
  std::set<std::string> names;
  for (const json& c : golden()) {
    ++per_op[c.at("op").get<std::string>()];
    EXPECT_TRUE(names.insert(c.at("name").get<std::string>()).second) << "duplicate case " << c.at("name");
  }
  EXPECT_GE(golden().size(), 60u);
  for (const char* op : {"max_pool2d", "avg_pool2d", "lp_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
                         "max_unpool2d"}) {
    EXPECT_GE(per_op[op], 4) << op;
  }
}

}  // namespace
}  // namespace poolnet
