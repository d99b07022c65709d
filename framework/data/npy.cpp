#include "framework/data/npy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <optional>

#include "framework/errors.h"

namespace poolnet::data {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw DataError(fmt::format("npy: {}: {}", path.string(), what));
}

// "(10000, 28, 28, 1)" as Python prints a shape.
std::string shape_text(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

// A strict parser of the header's dict literal: {'descr': '<u1', 'fortran_order': False,
// 'shape': (2, 3), } with any spacing, single or double quotes and optional trailing commas.
class HeaderParser {
 public:
  HeaderParser(const fs::path& path, const std::string& text) : path_(path), text_(text) {}

  void parse(NpyHeader& out) {
    skip_space();
    expect('{', "the header does not start with '{'");
    bool has_descr = false, has_order = false, has_shape = false;
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal("a key");
      skip_space();
      expect(':', fmt::format("expected ':' after the key '{}'", key));
      skip_space();
      if (key == "descr") {
        if (has_descr) fail(path_, "the header names 'descr' twice");
        has_descr = true;
        out.descr = string_literal("the value of 'descr'");
      } else if (key == "fortran_order") {
        if (has_order) fail(path_, "the header names 'fortran_order' twice");
        has_order = true;
        if (boolean()) fail(path_, "fortran_order is True: only C-order arrays are supported");
      } else if (key == "shape") {
        if (has_shape) fail(path_, "the header names 'shape' twice");
        has_shape = true;
        out.shape = tuple();
      } else {
        fail(path_, fmt::format("the header has the key '{}' (expected 'descr', 'fortran_order', 'shape')", key));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') fail(path_, fmt::format("expected ',' or '}}' at byte {} of the header", pos_));
    }
    ++pos_;  // the '}'
    for (; pos_ < text_.size(); ++pos_) {
      if (text_[pos_] != ' ' && text_[pos_] != '\n')
        fail(path_, fmt::format("the header has data after its closing brace at byte {}", pos_));
    }
    if (!has_descr || !has_order || !has_shape) {
      fail(path_, fmt::format("the header lacks the key '{}'", !has_descr   ? "descr"
                                                               : !has_order ? "fortran_order"
                                                                            : "shape"));
    }
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n')) ++pos_;
  }
  void expect(char c, const std::string& message) {
    if (peek() != c) fail(path_, message);
    ++pos_;
  }
  std::string string_literal(const char* what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"')
      fail(path_, fmt::format("expected a quoted string as {} at byte {} of the header", what, pos_));
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) fail(path_, fmt::format("unterminated string at byte {} of the header", pos_));
    std::string value = text_.substr(pos_ + 1, end - pos_ - 1);
    if (value.find('\\') != std::string::npos) fail(path_, "the header has an escape sequence in a string");
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    fail(path_, fmt::format("fortran_order is not True or False at byte {} of the header", pos_));
  }
  int64_t integer() {
    const size_t start = pos_;
    int64_t value = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      if (value > (int64_t{1} << 50)) fail(path_, "a dimension of the shape is too large");
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start)
      fail(path_, fmt::format("expected a non-negative integer in the shape at byte {} of the header", pos_));
    return value;
  }
  std::vector<int64_t> tuple() {
    expect('(', "the shape is not a tuple");
    std::vector<int64_t> shape;
    bool comma_after_last = false;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      shape.push_back(integer());
      skip_space();
      comma_after_last = peek() == ',';
      if (comma_after_last) {
        ++pos_;
        continue;
      }
      if (peek() != ')') fail(path_, fmt::format("expected ',' or ')' in the shape at byte {} of the header", pos_));
    }
    ++pos_;
    if (shape.size() == 1 && !comma_after_last)
      fail(path_, "the shape (n) is not a tuple: a 1-d shape is written (n,)");
    return shape;
  }

  const fs::path& path_;
  const std::string& text_;
  size_t pos_ = 0;
};

std::optional<std::pair<NpyDtype, int64_t>> dtype_of(const std::string& descr) {
  if (descr == "|u1" || descr == "<u1") return std::pair{NpyDtype::kUint8, int64_t{1}};
  if (descr == "<i4") return std::pair{NpyDtype::kInt32, int64_t{4}};
  if (descr == "<i8") return std::pair{NpyDtype::kInt64, int64_t{8}};
  return std::nullopt;
}

uint64_t little_endian(const uint8_t* b, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | b[i];
  return v;
}

// prod(shape) * item bytes, saturated just above the limit.
uint64_t data_bytes(const std::vector<int64_t>& shape, int64_t item_bytes) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  uint64_t total = static_cast<uint64_t>(item_bytes);
  for (int64_t d : shape) {
    if (static_cast<uint64_t>(d) > kNpyMaxDataBytes / total) return kNpyMaxDataBytes + 1;
    total *= static_cast<uint64_t>(d);
  }
  return total;
}

}  // namespace

NpyHeader read_npy_header(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail(path, "no such file");
  const uint64_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the file size (" + ec.message() + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, fmt::format("cannot open the file ({})", std::strerror(errno)));

  uint8_t prefix[12] = {};
  if (size < 10) fail(path, fmt::format("the file holds {} bytes, too short for an .npy header", size));
  in.read(reinterpret_cast<char*>(prefix), 10);
  if (std::memcmp(prefix, kMagic, kMagicBytes) != 0) {
    fail(path, fmt::format("not an .npy file: magic bytes {:02x}, expected 93 4e 55 4d 50 59 (\\x93NUMPY)",
                           fmt::join(std::span(prefix, kMagicBytes), " ")));
  }
  NpyHeader header;
  header.version = prefix[6];
  if (prefix[6] < 1 || prefix[6] > 3 || prefix[7] != 0)
    fail(path, fmt::format("format version {}.{} is not supported (expected 1.0, 2.0 or 3.0)", prefix[6], prefix[7]));
  const int length_bytes = header.version == 1 ? 2 : 4;
  const uint64_t prefix_bytes = 8 + static_cast<uint64_t>(length_bytes);
  if (size < prefix_bytes)
    fail(path, fmt::format("the file holds {} bytes, too short for a version {}.0 header", size, header.version));
  if (length_bytes == 4) in.read(reinterpret_cast<char*>(prefix + 10), 2);
  const uint64_t header_bytes = little_endian(prefix + 8, length_bytes);
  if (header_bytes > kNpyMaxHeaderBytes)
    fail(path,
         fmt::format("the header claims {} bytes, more than the {}-byte limit", header_bytes, kNpyMaxHeaderBytes));
  if (prefix_bytes + header_bytes > size) {
    fail(path, fmt::format("the header claims {} bytes but the file holds {} after the {}-byte prefix", header_bytes,
                           size - prefix_bytes, prefix_bytes));
  }
  std::string text(header_bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_bytes));
  if (!in) fail(path, "cannot read the header");
  if (text.empty() || text.back() != '\n') fail(path, "the header does not end with a newline");
  HeaderParser(path, text).parse(header);
  const auto dtype = dtype_of(header.descr);
  if (!dtype) fail(path, fmt::format("dtype '{}' is not supported (expected |u1, <u1, <i4 or <i8)", header.descr));
  header.dtype = dtype->first;
  header.item_bytes = dtype->second;
  header.data_offset = prefix_bytes + header_bytes;

  const uint64_t claimed = data_bytes(header.shape, header.item_bytes);
  if (claimed > kNpyMaxDataBytes) {
    fail(path, fmt::format("shape {} of {} is more than the {}-byte limit", shape_text(header.shape), header.descr,
                           kNpyMaxDataBytes));
  }
  const uint64_t holds = size - header.data_offset;
  if (holds < claimed) {
    fail(path, fmt::format("truncated: shape {} of {} needs {} bytes of data but the file holds {}",
                           shape_text(header.shape), header.descr, claimed, holds));
  }
  if (holds > claimed) {
    fail(path, fmt::format("{} bytes of trailing data: shape {} of {} needs {} bytes but the file holds {}",
                           holds - claimed, shape_text(header.shape), header.descr, claimed, holds));
  }
  return header;
}

NpyArray read_npy(const fs::path& path) {
  const NpyHeader header = read_npy_header(path);
  if (header.shape.empty()) {
    NpyArray out{header, header.shape, std::vector<uint8_t>(static_cast<size_t>(header.item_bytes))};
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(header.data_offset));
    if (!in.read(reinterpret_cast<char*>(out.bytes.data()), header.item_bytes)) fail(path, "cannot read the data");
    return out;
  }
  return read_npy_rows(path, 0, header.shape[0]);
}

NpyArray read_npy_rows(const fs::path& path, int64_t first, int64_t count) {
  const NpyHeader header = read_npy_header(path);
  if (header.shape.empty()) fail(path, "the array is a scalar, it has no rows");
  if (first < 0 || count < 0 || first + count > header.shape[0]) {
    fail(path, fmt::format("rows {}..{} asked for, the array {} has {}", first, first + count, shape_text(header.shape),
                           header.shape[0]));
  }
  NpyArray out{header, header.shape, {}};
  out.shape[0] = count;
  const uint64_t row_bytes =
      data_bytes(std::vector<int64_t>(header.shape.begin() + 1, header.shape.end()), header.item_bytes);
  out.bytes.resize(row_bytes * static_cast<uint64_t>(count));
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(header.data_offset + row_bytes * static_cast<uint64_t>(first)));
  if (!in.read(reinterpret_cast<char*>(out.bytes.data()), static_cast<std::streamsize>(out.bytes.size())))
    fail(path, "cannot read the data");
  return out;
}

std::vector<int64_t> npy_integers(const NpyArray& array) {
  const auto n = static_cast<size_t>(array.bytes.size() / static_cast<size_t>(array.header.item_bytes));
  std::vector<int64_t> out(n);
  const uint8_t* b = array.bytes.data();
  for (size_t i = 0; i < n; ++i) {
    switch (array.header.dtype) {
      case NpyDtype::kUint8:
        out[i] = b[i];
        break;
      case NpyDtype::kInt32:
        out[i] = static_cast<int32_t>(static_cast<uint32_t>(little_endian(b + 4 * i, 4)));
        break;
      case NpyDtype::kInt64:
        out[i] = static_cast<int64_t>(little_endian(b + 8 * i, 8));
        break;
    }
  }
  return out;
}

std::vector<uint8_t> npy_file_bytes(const std::string& descr, std::span<const int64_t> shape,
                                    std::span<const uint8_t> bytes) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr,
                                   shape_text(std::vector<int64_t>(shape.begin(), shape.end())));
  // numpy pads with spaces so that the data starts at a multiple of 64 bytes, then a newline.
  const bool v2 = header.size() + 11 > 65535;
  const size_t prefix = v2 ? 12 : 10;
  header.append(63 - (prefix + header.size()) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out(kMagic, kMagic + kMagicBytes);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  for (int i = 0; i < (v2 ? 4 : 2); ++i) out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

}  // namespace poolnet::data
