#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_pool.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;

struct Case {
  const char* name;
  Shape shape;
  Pool2d options;
};

// Overlapping windows, padding with count_include_pad both ways, divisor_override, ceil mode.
const std::vector<Case> kCases = {
    {"k2s2", {2, 3, 6, 8}, {}},
    {"k2s2_odd", {2, 3, 5, 7}, {}},
    {"k2s2_odd_ceil", {1, 2, 5, 7}, {.ceil_mode = true}},
    {"k2s2_divisor3", {1, 2, 6, 6}, {.divisor_override = 3}},
    {"k3s1", {1, 2, 6, 6}, {.kernel = {3, 3}, .stride = {1, 1}}},
    {"k3s2", {2, 2, 7, 7}, {.kernel = {3, 3}, .stride = {2, 2}}},
    {"k3s2_pad1_incl", {1, 2, 7, 7}, {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}}},
    {"k3s2_pad1_excl", {1, 2, 7, 7}, {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .count_include_pad = false}},
    {"k3s2_pad1_ceil_incl", {1, 2, 8, 8}, {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true}},
    {"k3s2_pad1_ceil_excl", {1, 2, 8, 8},
     {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true, .count_include_pad = false}},
    {"k3s2_ceil_divisor5", {1, 1, 8, 7}, {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true, .divisor_override = 5}},
    {"k2x3_s1x2_pad1", {2, 2, 6, 9}, {.kernel = {2, 3}, .stride = {1, 2}, .padding = {1, 1}}},
    {"k4s3_pad2_ceil_excl", {1, 1, 11, 11},
     {.kernel = {4, 4}, .stride = {3, 3}, .padding = {2, 2}, .ceil_mode = true, .count_include_pad = false}},
};

void expect_shape_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  EXPECT_TRUE(testing::shape_error_names(parts.front(), {f, {parts.begin() + 1, parts.end()}}));
}

TEST(AvgPool, MatchesNaiveReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    Tensor x = random_tensor(c.shape, 3).set_requires_grad();
    const Tensor y = avg_pool2d(x, c.options);
    EXPECT_TRUE(all_close(y, reference::avg_pool2d(x, c.options), 1e-6, 1e-6));
    EXPECT_EQ(avg_pool2d_out_shape(c.shape, c.options), y.shape());
    const Tensor gy = random_tensor(y.shape(), 4);
    y.backward(gy);
    EXPECT_TRUE(all_close(x.grad(), reference::avg_pool2d_backward(x, c.options, gy), 1e-6, 1e-6));
  }
}

// Gradient, accumulation and 1 vs 2 threads for every case; threads on a batch large enough
// to be split.
TEST(AvgPool, Contract) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(op_contract({.op = "avg_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return avg_pool2d(in[0], c.options); },
                             .inputs = {random_tensor(c.shape, 5).set_requires_grad()},
                             .thread_inputs = {random_tensor({8, 16, 20, 20}, 2).set_requires_grad()}}));
  }
}

TEST(AvgPool, DivisorRules) {
  // 3x3 input of ones, kernel 3, stride 2, padding 1, ceil mode: 2x2 windows.
  Tensor x = Tensor::ones({1, 1, 3, 3});
  const Pool2d base{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true};
  // Every window holds 4 real pixels and lies within the padded input: 9 counted with padding.
  EXPECT_EQ(avg_pool2d(x, base).to_vector(), std::vector<float>(4, 4.0f / 9.0f));
  Pool2d excl = base;
  excl.count_include_pad = false;
  EXPECT_EQ(avg_pool2d(x, excl).to_vector(), std::vector<float>(4, 1.0f));
  Pool2d over = base;
  over.divisor_override = 2;
  EXPECT_EQ(avg_pool2d(x, over).to_vector(), std::vector<float>(4, 2.0f));
  // Ceil mode without padding: the last window sticks out of the input and counts only its part.
  EXPECT_EQ(avg_pool2d(Tensor::ones({1, 1, 1, 3}), {.kernel = {1, 2}, .ceil_mode = true}).to_vector(),
            (std::vector<float>{1.0f, 1.0f}));
}

TEST(AvgPool, ShapeErrorsNameTheOpAndShapes) {
  Tensor x = Tensor::zeros({8, 16, 2, 2});
  try {
    avg_pool2d(x, {.kernel = {3, 3}});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "avg_pool2d: kernel 3x3 does not fit padded input 2x2 (x=[8,16,2,2], padding=0x0)");
  }
  expect_shape_error([&] { avg_pool2d(x, {.kernel = {3, 3}, .padding = {2, 1}}); },
                     {"avg_pool2d", "padding 2x1", "3x3", "[8,16,2,2]"});
  expect_shape_error([&] { avg_pool2d(x, {.dilation = {2, 2}}); }, {"avg_pool2d", "dilation", "2x2"});
  expect_shape_error([&] { avg_pool2d(Tensor::zeros({4, 4}), {}); }, {"avg_pool2d", "[4,4]"});
}

}  // namespace
}  // namespace poolnet
