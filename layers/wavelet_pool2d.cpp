#include "layers/wavelet_pool2d.h"

#include <fmt/format.h>

namespace poolnet {

WaveletPool2d::WaveletPool2d(WaveletPool options) : options_(options) {}

Tensor WaveletPool2d::forward(const Tensor& x) { return wavelet_pool2d(x, options_); }

std::vector<Window> WaveletPool2d::windows() const {
  const int64_t taps = static_cast<int64_t>(wavelet_lowpass(options_.wavelet).size());
  const int64_t pad = -wavelet_offset(options_.wavelet);
  return {Window{.kernel = {taps, taps}, .stride = {2, 2}, .padding = {pad, pad}}};
}

std::string WaveletPool2d::describe() const {
  return fmt::format("WaveletPool2d(wavelet={})", to_string(options_.wavelet));
}

ModuleConfig WaveletPool2d::config() const { return {"WaveletPool2d", {{"wavelet", to_string(options_.wavelet)}}}; }

}  // namespace poolnet
