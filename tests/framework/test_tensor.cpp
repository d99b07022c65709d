#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/tensor.h"

namespace poolnet {
namespace {

TEST(Tensor, FactoriesHaveShapeAndValues) {
  EXPECT_EQ(Tensor::zeros({2, 3}).to_vector(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(Tensor::ones({4}).to_vector(), std::vector<float>(4, 1.0f));
  EXPECT_EQ(Tensor::full({2}, 2.5f).to_vector(), (std::vector<float>{2.5f, 2.5f}));
  EXPECT_EQ(Tensor::arange(4).to_vector(), (std::vector<float>{0, 1, 2, 3}));
  Tensor t = Tensor::from_vector({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.at({1, 0}), 3.0f);
  EXPECT_EQ(Tensor::zeros({}).numel(), 1);
  EXPECT_EQ(Tensor::zeros({}).dim(), 0);
}

TEST(Tensor, StorageIsAligned) {
  for (int64_t n : {1, 3, 17, 1000}) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(Tensor::empty({n}).data()) % 64, 0u);
  }
}

TEST(Tensor, RandomFactoriesDependOnSeedAndIndexOnly) {
  Tensor a = Tensor::uniform({100}, -1, 1, 42);
  Tensor b = Tensor::uniform({10, 10}, -1, 1, 42);
  Tensor prefix = Tensor::uniform({7}, -1, 1, 42);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  for (int i = 0; i < 7; ++i) EXPECT_EQ(prefix.data()[i], a.data()[i]);
  EXPECT_NE(Tensor::uniform({100}, -1, 1, 43).to_vector(), a.to_vector());
  for (float v : a.to_vector()) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LT(v, 1.0f);
  }
}

TEST(Tensor, NormalHasRoughlyUnitMoments) {
  Tensor t = Tensor::normal({20000}, 0.0f, 1.0f, 5);
  double s = 0, s2 = 0;
  for (float v : t.to_vector()) {
    s += v;
    s2 += v * v;
  }
  EXPECT_NEAR(s / 20000, 0.0, 0.03);
  EXPECT_NEAR(s2 / 20000, 1.0, 0.05);
}

TEST(Tensor, DetachSharesCloneCopies) {
  Tensor t = Tensor::from_vector({3}, {1, 2, 3});
  Tensor d = t.detach();
  Tensor c = t.clone();
  t.data()[0] = 9;
  EXPECT_EQ(d.data()[0], 9.0f);
  EXPECT_EQ(c.data()[0], 1.0f);
}

TEST(Tensor, ErrorsNameTheShape) {
  Tensor t = Tensor::zeros({2, 3});
  try {
    t.at({2, 0});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[2,3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tensor::from_vector({2}, {1, 2, 3}), ShapeError);
  EXPECT_THROW(t.item(), ShapeError);
  EXPECT_THROW(t.size(2), ShapeError);
  EXPECT_EQ(t.size(-1), 3);
}

TEST(Tensor, PrintsReadably) {
  Tensor t = Tensor::from_vector({2, 2}, {1, 2, 3, 4.5});
  EXPECT_EQ(t.to_string(), "tensor([[1, 2],\n [3, 4.5]], shape=[2,2])");
  EXPECT_NE(Tensor::zeros({100}).to_string().find("..."), std::string::npos);
}

}  // namespace
}  // namespace poolnet
