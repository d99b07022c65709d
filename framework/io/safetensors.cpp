#include "framework/io/safetensors.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "framework/errors.h"
#include "framework/io/atomic_file.h"

namespace poolnet {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace {
using Json = nlohmann::ordered_json;
constexpr size_t kMaxRank = 6;

uint32_t crc_update(uint32_t crc, const void* data, size_t bytes) {
  return static_cast<uint32_t>(crc32_z(crc, static_cast<const Bytef*>(data), bytes));
}

size_t byte_size(const Tensor& t) { return static_cast<size_t>(t.numel()) * sizeof(float); }

void validate_for_saving(const std::string& path, const NamedTensors& tensors,
                         const std::map<std::string, std::string>& metadata) {
  const std::string who = fmt::format("save_safetensors '{}'", path);
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (name.empty()) throw ConfigError(who + ": a tensor has an empty name");
    if (name == "__metadata__") throw ConfigError(who + ": '__metadata__' is reserved and cannot name a tensor");
    if (!names.insert(name).second) throw ConfigError(fmt::format("{}: tensor name '{}' appears twice", who, name));
    if (!t.defined()) throw ConfigError(fmt::format("{}: tensor '{}' is undefined", who, name));
  }
  if (metadata.contains(kSafetensorsChecksumKey)) {
    throw ConfigError(
        fmt::format("{}: metadata key '{}' is reserved (it is computed when writing)", who, kSafetensorsChecksumKey));
  }
}

// The JSON header padded with spaces to a multiple of 8, preceded by its length.
std::string encode_header(const std::string& path, const NamedTensors& tensors,
                          const std::map<std::string, std::string>& metadata, uint32_t crc) {
  Json header = Json::object();
  Json meta = Json::object();
  for (const auto& [key, value] : metadata) meta[key] = value;
  meta[kSafetensorsChecksumKey] = fmt::format("{:08x}", crc);
  header["__metadata__"] = std::move(meta);
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const uint64_t end = offset + byte_size(t);
    header[name] = Json{{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(
        fmt::format("save_safetensors '{}': a tensor name or metadata entry is not valid UTF-8 ({})", path, e.what()));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  return out + text;
}
}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  validate_for_saving(path, tensors, metadata);
  uint32_t crc = crc_update(0, nullptr, 0);
  for (const auto& [name, t] : tensors) crc = crc_update(crc, t.data(), byte_size(t));
  const std::string header = encode_header(path, tensors, metadata, crc);
  AtomicFile file(path);
  file.write(header);
  for (const auto& [name, t] : tensors) file.write(t.data(), byte_size(t));
  file.commit();
}

namespace {
struct Entry {
  std::string name;
  Shape shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

class HeaderReader {
 public:
  explicit HeaderReader(const std::string& path) : path_(path) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(fmt::format("safetensors '{}': {}", path_, what));
  }
  [[noreturn]] void fail(const std::string& tensor, const std::string& what) const {
    fail(fmt::format("tensor '{}': {}", tensor, what));
  }

  uint64_t non_negative(const Json& j, const std::string& tensor, const char* field) const {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<int64_t>() >= 0)) {
      fail(tensor, fmt::format("{} must hold non-negative integers, found {}", field, j.dump()));
    }
    return j.get<uint64_t>();
  }

  Entry entry(const std::string& name, const Json& j, uint64_t data_bytes) const {
    if (!j.is_object())
      fail(name, fmt::format("expected an object with dtype, shape and data_offsets, found {}", j.dump()));
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!j.contains(field)) fail(name, fmt::format("missing \"{}\"", field));
    }
    const Json& dtype = j["dtype"];
    if (!dtype.is_string()) fail(name, fmt::format("dtype must be a string, found {}", dtype.dump()));
    if (dtype.get<std::string>() != "F32") {
      fail(name, fmt::format("dtype {} is not supported (poolnet reads F32 only)", dtype.get<std::string>()));
    }
    const Json& shape = j["shape"];
    if (!shape.is_array()) fail(name, fmt::format("shape must be an array, found {}", shape.dump()));
    if (shape.size() > kMaxRank)
      fail(name, fmt::format("shape {} has more than {} dimensions", shape.dump(), kMaxRank));
    Entry e{.name = name, .shape = {}};
    uint64_t elements = 1;
    for (const Json& d : shape) {
      const uint64_t size = non_negative(d, name, "shape");
      if (size > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(elements, size, &elements)) {
        fail(name, fmt::format("shape {} has too many elements", shape.dump()));
      }
      e.shape.push_back(static_cast<int64_t>(size));
    }
    const Json& offsets = j["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2)
      fail(name, fmt::format("data_offsets must be [begin, end], found {}", offsets.dump()));
    e.begin = non_negative(offsets[0], name, "data_offsets");
    e.end = non_negative(offsets[1], name, "data_offsets");
    if (e.begin > e.end || e.end > data_bytes) {
      fail(name, fmt::format("data_offsets [{}, {}] out of range (the data section has {} bytes)", e.begin, e.end,
                             data_bytes));
    }
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(elements, uint64_t{4}, &bytes))
      fail(name, fmt::format("shape {} has too many elements", shape.dump()));
    if (bytes != e.end - e.begin) {
      fail(name, fmt::format("data_offsets [{}, {}] hold {} bytes but shape {} of F32 needs {}", e.begin, e.end,
                             e.end - e.begin, shape_str(e.shape), bytes));
    }
    return e;
  }

  // Tensors sorted by offset must tile the data section exactly.
  void check_layout(std::vector<Entry>& entries, uint64_t data_bytes) const {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t expected = 0;
    const Entry* previous = nullptr;
    for (const Entry& e : entries) {
      if (e.begin < expected) {
        fail(e.name, fmt::format("data_offsets [{}, {}] overlap tensor '{}' [{}, {}]", e.begin, e.end, previous->name,
                                 previous->begin, previous->end));
      }
      if (e.begin > expected)
        fail(e.name, fmt::format("gap of {} bytes before data_offsets [{}, {}]", e.begin - expected, e.begin, e.end));
      expected = e.end;
      previous = &e;
    }
    if (expected != data_bytes) {
      fail(fmt::format("the tensors cover {} bytes of a {}-byte data section (trailing data)", expected, data_bytes));
    }
  }

 private:
  std::string path_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

void read_exactly(std::FILE* f, void* out, size_t bytes, const std::string& path) {
  if (std::fread(out, 1, bytes, f) != bytes) {
    if (std::ferror(f)) throw IoError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    throw DataError(fmt::format("safetensors '{}': file ends early (was it truncated while being read?)", path));
  }
}
}  // namespace

SafetensorsFile load_safetensors(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw IoError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  struct stat info {};
  if (::fstat(::fileno(file.get()), &info) != 0)
    throw IoError(fmt::format("cannot stat '{}': {}", path, std::strerror(errno)));
  const HeaderReader reader(path);
  const auto file_bytes = static_cast<uint64_t>(info.st_size);
  if (file_bytes < 8) reader.fail(fmt::format("file has {} bytes, fewer than the 8-byte header length", file_bytes));

  uint64_t header_bytes = 0;
  read_exactly(file.get(), &header_bytes, 8, path);
  if (header_bytes > kSafetensorsMaxHeaderBytes) {
    reader.fail(fmt::format("header length {} exceeds the {}-byte limit", header_bytes, kSafetensorsMaxHeaderBytes));
  }
  if (header_bytes > file_bytes - 8) {
    reader.fail(
        fmt::format("header length {} exceeds the {} bytes after the length field", header_bytes, file_bytes - 8));
  }
  std::string text(header_bytes, '\0');
  read_exactly(file.get(), text.data(), header_bytes, path);
  Json header;
  try {
    header = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    reader.fail(fmt::format("malformed JSON header: {}", e.what()));
  }
  if (!header.is_object()) reader.fail(fmt::format("the header must be a JSON object, found {}", header.type_name()));

  const uint64_t data_bytes = file_bytes - 8 - header_bytes;
  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key != "__metadata__") {
      entries.push_back(reader.entry(key, value, data_bytes));
      continue;
    }
    if (!value.is_object()) reader.fail(fmt::format("__metadata__ must be an object, found {}", value.dump()));
    for (const auto& [meta_key, meta_value] : value.items()) {
      if (!meta_value.is_string())
        reader.fail(fmt::format("__metadata__ '{}' must be a string, found {}", meta_key, meta_value.dump()));
      out.metadata[meta_key] = meta_value.get<std::string>();
    }
  }
  reader.check_layout(entries, data_bytes);

  uint32_t crc = crc_update(0, nullptr, 0);
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape);
    read_exactly(file.get(), t.data(), byte_size(t), path);
    crc = crc_update(crc, t.data(), byte_size(t));
    out.tensors.emplace_back(e.name, std::move(t));
  }
  const auto stored = out.metadata.find(kSafetensorsChecksumKey);
  if (stored != out.metadata.end()) {
    const std::string actual = fmt::format("{:08x}", crc);
    if (stored->second != actual) {
      reader.fail(fmt::format("checksum mismatch: {} is {} but the data gives {} (the file is corrupt)",
                              kSafetensorsChecksumKey, stored->second, actual));
    }
    out.metadata.erase(stored);
    out.checksum_verified = true;
  }
  return out;
}

namespace {
// "a, b, c" with at most kListed names, then "and N more".
std::string listing(const std::vector<std::string>& items) {
  constexpr size_t kListed = 8;
  std::vector<std::string> shown(items.begin(),
                                 items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), kListed)));
  std::string out = fmt::format("{}", fmt::join(shown, ", "));
  if (items.size() > kListed) out += fmt::format(" and {} more", items.size() - kListed);
  return out;
}
}  // namespace

void check_tensors_match(const NamedTensors& expected, const NamedTensors& found, const std::string& source) {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : found) by_name.emplace(name, &t);
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> expected_names;
  for (const auto& [name, t] : expected) {
    expected_names.insert(name);
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      missing.push_back(name);
    } else if (it->second->shape() != t.shape()) {
      mismatched.push_back(
          fmt::format("{} expected {}, found {}", name, shape_str(t.shape()), shape_str(it->second->shape())));
    }
  }
  for (const auto& [name, t] : found) {
    if (!expected_names.contains(name)) unexpected.push_back(name);
  }
  std::vector<std::string> parts;
  if (!missing.empty()) parts.push_back(fmt::format("missing ({}): {}", missing.size(), listing(missing)));
  if (!unexpected.empty()) parts.push_back(fmt::format("unexpected ({}): {}", unexpected.size(), listing(unexpected)));
  if (!mismatched.empty())
    parts.push_back(fmt::format("shape mismatch ({}): {}", mismatched.size(), listing(mismatched)));
  if (!parts.empty()) {
    throw DataError(fmt::format("{}: tensors do not match the expected ones: {}", source, fmt::join(parts, "; ")));
  }
}

void copy_tensors_into(const NamedTensors& targets, const NamedTensors& source, const std::string& source_name) {
  check_tensors_match(targets, source, source_name);
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : source) by_name.emplace(name, &t);
  for (const auto& [name, t] : targets) t.copy_from(*by_name.at(name));
}

}  // namespace poolnet
