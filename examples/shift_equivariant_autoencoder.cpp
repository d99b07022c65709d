// An encoder-decoder whose reconstruction follows every circular shift of its input exactly:
// circular convolutions, adaptive polyphase downsampling (ApsPool2d) and polyphase unpooling at
// the phases the encoder chose (PolyphaseUnpool2d). The same network with max pooling and max
// unpooling is trained beside it for comparison. Both learn to reconstruct Fashion-MNIST
// images (mean squared error, Adam); then each is checked on test images shifted circularly:
// the relative difference between "shift, then reconstruct" and "reconstruct, then shift".
//   shift_equivariant_autoencoder [--data-dir DIR] [--limit N]
// Without Fashion-MNIST it uses the built-in `shapes` data set. docs/library.md has the tour.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include <poolnet/framework/autograd.h>  // NoGradGuard
#include <poolnet/framework/data/loader.h>
#include <poolnet/framework/errors.h>
#include <poolnet/framework/ops/ops.h>
#include <poolnet/framework/optim/adam.h>
#include <poolnet/layers/aps_pool2d.h>
#include <poolnet/layers/conv2d.h>
#include <poolnet/layers/max_pool2d.h>
#include <poolnet/layers/max_unpool2d.h>
#include <poolnet/layers/polyphase_unpool2d.h>

using namespace poolnet;

// A 3x3 convolution with circular 'same' padding: it commutes with circular shifts.
std::shared_ptr<Conv2d> circular_conv(int64_t in, int64_t out, uint64_t seed) {
  return std::make_shared<Conv2d>(
      Conv2d::Options{.in_channels = in, .out_channels = out, .same = true, .padding_mode = PadMode::kCircular}, seed);
}

// 1 -> 16 -> 32 channels, downsampled twice by 2, and back. Each decoder stage undoes the
// encoder stage of the same size: the polyphase kind at the phases its encoder chose, the max
// kind at the positions of its maxima.
class AutoEncoder : public Module {
 public:
  explicit AutoEncoder(bool polyphase) : polyphase_(polyphase) {
    encode1_ = register_module("encode1", circular_conv(1, 16, 1));
    encode2_ = register_module("encode2", circular_conv(16, 32, 2));
    decode2_ = register_module("decode2", circular_conv(32, 16, 3));
    decode1_ = register_module("decode1", circular_conv(16, 1, 4));
  }

  Tensor forward(const Tensor& x) override {  // x [N,1,H,W] -> [N,1,H,W]; H, W multiples of 4
    const Tensor h1 = relu(encode1_->forward(x));
    const Tensor h2 = relu(encode2_->forward(down(h1, 0)));
    const Tensor code = down(h2, 1);
    const Tensor u2 = relu(decode2_->forward(up(code, 1, h2)));
    return decode1_->forward(up(u2, 0, h1));
  }
  std::string describe() const override { return polyphase_ ? "AutoEncoder(aps)" : "AutoEncoder(max_pool)"; }

 private:
  Tensor down(const Tensor& x, int level) {
    if (polyphase_) return aps_[level].forward(x);
    auto result = max_pool_.forward_with_indices(x);
    indices_[level] = result.indices;
    return result.output;
  }
  // Back to the size of `before`, the input of the matching down().
  Tensor up(const Tensor& x, int level, const Tensor& before) {
    const Size2d size{before.size(2), before.size(3)};
    if (polyphase_) return unpool_.forward(x, aps_[level].last_phases(), size);
    return max_unpool_.forward(x, indices_[level], size);
  }

  bool polyphase_;
  std::shared_ptr<Conv2d> encode1_, encode2_, decode2_, decode1_;
  ApsPool2d aps_[2];
  PolyphaseUnpool2d unpool_{2};
  MaxPool2d max_pool_;
  MaxUnpool2d max_unpool_;
  PoolIndices indices_[2];
};

Tensor mse(const Tensor& a, const Tensor& b) {
  const Tensor d = a - b;
  return mean(d * d);
}

// Adam on the reconstruction error, one pass over the loader; returns the last batch's loss.
double train(AutoEncoder& model, const data::Loader& loader) {
  Adam adam(model.named_parameters(), {.lr = 2e-3});
  double loss_value = 0;
  for (int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
    const Tensor x = loader.batch(/*epoch=*/0, b).images;
    Tensor loss = mse(model(x), x);
    adam.zero_grad();
    loss.backward();
    adam.step();
    loss_value = loss.item();
  }
  return loss_value;
}

// ||f(shift(x)) - shift(f(x))|| / ||shift(f(x))|| for a circular shift by t.
double equivariance_error(AutoEncoder& model, const Tensor& x, Size2d t) {
  const Tensor a = model(roll(x, t)), b = roll(model(x), t);
  double diff = 0, ref = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    diff += std::pow(static_cast<double>(a.data()[i]) - b.data()[i], 2);
    ref += std::pow(static_cast<double>(b.data()[i]), 2);
  }
  return std::sqrt(diff / ref);
}

int main(int argc, char** argv) {
  std::string data_dir;
  int64_t limit = 20000;  // training images: one pass takes well under a minute on 2 cores
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--data-dir") data_dir = argv[i + 1];
    if (flag == "--limit") limit = std::stoll(argv[i + 1]);
  }
  std::string dataset = "fashion-mnist";
  data::Dataset train_set, test_set;
  try {
    train_set = data::open_dataset(dataset, data::Split::kTrain, {.data_dir = data_dir, .limit = limit});
    test_set = data::open_dataset(dataset, data::Split::kTest, {.data_dir = data_dir, .limit = 256});
  } catch (const DataError& e) {
    std::printf("%s\nfalling back to the built-in 'shapes' data set\n", e.what());
    dataset = "shapes";
    train_set = data::open_dataset(dataset, data::Split::kTrain, {.limit = limit});
    test_set = data::open_dataset(dataset, data::Split::kTest, {.limit = 256});
  }
  // 28 x 28 images: two downsamplings by 2 leave 7 x 7.
  const data::Loader loader(train_set, {.batch_size = 64, .shuffle = true, .normalize = true, .seed = 0});
  const Tensor test = data::Loader(test_set, {.batch_size = 256, .normalize = true}).batch(0, 0).images;

  double worst_error[2] = {0, 0};  // polyphase, max pool
  for (bool polyphase : {true, false}) {
    AutoEncoder model(polyphase);
    const double train_loss = train(model, loader);
    model.eval();
    NoGradGuard no_grad;
    const double test_loss = mse(model(test), test).item();
    std::printf("%-22s %s: train loss %.4f, test loss %.4f; equivariance error under circular shifts:",
                model.describe().c_str(), dataset.c_str(), train_loss, test_loss);
    double worst = 0;
    for (Size2d t : {Size2d{1, 0}, Size2d{0, 1}, Size2d{1, 1}, Size2d{2, 3}, Size2d{-5, 7}}) {
      const double e = equivariance_error(model, test, t);
      worst = std::max(worst, e);
      std::printf(" (%lld,%lld) %.1e", static_cast<long long>(t.h), static_cast<long long>(t.w), e);
    }
    std::printf("\n");
    worst_error[polyphase ? 0 : 1] = worst;
  }
  const bool equivariant = worst_error[0] < 1e-5;  // float rounding at most
  std::printf("polyphase: %s (largest error %.1e; max pool and unpool: %.1e)\n",
              equivariant ? "shift-equivariant" : "NOT shift-equivariant", worst_error[0], worst_error[1]);
  return equivariant ? 0 : 1;
}
