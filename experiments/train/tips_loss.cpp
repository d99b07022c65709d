#include "experiments/train/tips_loss.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <sstream>

#include "framework/errors.h"
#include "framework/ops/elementwise.h"
#include "layers/tips_pool2d.h"

namespace poolnet {

namespace {
[[noreturn]] void bad(const std::string& text, const std::string& why) {
  throw ConfigError(fmt::format("--tips-loss: {} (got '{}'; expected alpha=A,start_epoch=E, e.g. "
                                "alpha=0.35,start_epoch=2, or none)",
                                why, text));
}

template <class T>
T number(const std::string& text, const std::string& key, const std::string& value) {
  T v{};
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (value.empty() || ec != std::errc() || ptr != end) bad(text, fmt::format("{} is not a number: '{}'", key, value));
  return v;
}

void collect(const Module& m, Tensor& sum) {
  if (const auto* tips = dynamic_cast<const TipsPool2d*>(&m)) {
    if (const Tensor r = tips->regulariser(); r.defined()) sum = sum.defined() ? add(sum, r) : r;
  }
  for (const auto& [name, child] : m.children()) collect(*child, sum);
}
}  // namespace

TipsLoss parse_tips_loss(const std::string& text) {
  TipsLoss loss;
  if (text.empty() || text == "none") return loss;
  loss.enabled = true;
  bool seen_alpha = false, seen_start = false;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) bad(text, fmt::format("'{}' is not key=value", item));
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "alpha" && !seen_alpha) {
      seen_alpha = true;
      loss.alpha = number<double>(text, key, value);
      if (!(loss.alpha >= 0.0) || !std::isfinite(loss.alpha)) bad(text, "alpha must be finite and >= 0");
    } else if (key == "start_epoch" && !seen_start) {
      seen_start = true;
      loss.start_epoch = number<int64_t>(text, key, value);
      if (loss.start_epoch < 1) bad(text, "start_epoch must be >= 1");
    } else if (key == "alpha" || key == "start_epoch") {
      bad(text, fmt::format("{} is given twice", key));
    } else {
      bad(text, fmt::format("unknown key '{}' (keys: alpha, start_epoch)", key));
    }
  }
  if (text.back() == ',') bad(text, "trailing comma");
  return loss;
}

std::string to_string(const TipsLoss& loss) {
  return loss.enabled ? fmt::format("alpha={},start_epoch={}", loss.alpha, loss.start_epoch) : std::string();
}

Tensor tips_regulariser_sum(const Module& model) {
  Tensor sum;
  collect(model, sum);
  return sum;
}

}  // namespace poolnet
