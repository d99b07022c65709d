#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "framework/errors.h"
#include "framework/io/safetensors.h"
#include "framework/optim/adam.h"
#include "tests/support/grad_check.h"
#include "tests/support/optim_problem.h"

namespace poolnet {
namespace {

namespace fs = std::filesystem;
using testing::bitwise_equal;

// Files built from the format's rules with json + struct by tests/interop/write_reference_safetensors.py.
// kPoolnetLayout: conv.weight [2,1,2,2] = 0.5i - 1, conv.bias [2] = {0.25, -0.75}, empty [0,3],
// scalar [] = 3.5, metadata {"model": "lenet", "note": "café über"} plus the checksum.
// kForeignLayout: no metadata, JSON keys conv.weight, conv.bias, scalar; data order bias, scalar, weight.
const std::vector<uint8_t> kPoolnetLayout = {
    0x50, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x5f, 0x5f, 0x6d, 0x65, 0x74, 0x61, 0x64, 0x61, 0x74,
    0x61, 0x5f, 0x5f, 0x22, 0x3a, 0x7b, 0x22, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x22, 0x3a, 0x22, 0x6c, 0x65, 0x6e, 0x65,
    0x74, 0x22, 0x2c, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0xc3, 0xbc,
    0x62, 0x65, 0x72, 0x22, 0x2c, 0x22, 0x70, 0x6f, 0x6f, 0x6c, 0x6e, 0x65, 0x74, 0x2e, 0x63, 0x72, 0x63, 0x33, 0x32,
    0x22, 0x3a, 0x22, 0x39, 0x63, 0x64, 0x62, 0x36, 0x61, 0x35, 0x32, 0x22, 0x7d, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x76,
    0x2e, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22,
    0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x32, 0x2c, 0x31, 0x2c, 0x32,
    0x2c, 0x32, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a,
    0x5b, 0x30, 0x2c, 0x33, 0x32, 0x5d, 0x7d, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x76, 0x2e, 0x62, 0x69, 0x61, 0x73, 0x22,
    0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68,
    0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x32, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73,
    0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x33, 0x32, 0x2c, 0x34, 0x30, 0x5d, 0x7d, 0x2c, 0x22, 0x65, 0x6d, 0x70, 0x74,
    0x79, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22,
    0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x30, 0x2c, 0x33, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f,
    0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x34, 0x30, 0x2c, 0x34, 0x30, 0x5d, 0x7d, 0x2c, 0x22,
    0x73, 0x63, 0x61, 0x6c, 0x61, 0x72, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46,
    0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74,
    0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x34, 0x30, 0x2c, 0x34, 0x34, 0x5d, 0x7d,
    0x7d, 0x20, 0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x00,
    0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x20, 0x40, 0x00, 0x00, 0x80, 0x3e,
    0x00, 0x00, 0x40, 0xbf, 0x00, 0x00, 0x60, 0x40};
const std::vector<uint8_t> kForeignLayout = {
    0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x63, 0x6f, 0x6e, 0x76, 0x2e, 0x77, 0x65, 0x69, 0x67,
    0x68, 0x74, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c,
    0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x32, 0x2c, 0x31, 0x2c, 0x32, 0x2c, 0x32, 0x5d, 0x2c, 0x22,
    0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x31, 0x32, 0x2c, 0x34,
    0x34, 0x5d, 0x7d, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x76, 0x2e, 0x62, 0x69, 0x61, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x64,
    0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22,
    0x3a, 0x5b, 0x32, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22,
    0x3a, 0x5b, 0x30, 0x2c, 0x38, 0x5d, 0x7d, 0x2c, 0x22, 0x73, 0x63, 0x61, 0x6c, 0x61, 0x72, 0x22, 0x3a, 0x7b, 0x22,
    0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65,
    0x22, 0x3a, 0x5b, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22,
    0x3a, 0x5b, 0x38, 0x2c, 0x31, 0x32, 0x5d, 0x7d, 0x7d, 0x20, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x40, 0xbf, 0x00,
    0x00, 0x60, 0x40, 0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f,
    0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x20, 0x40};

NamedTensors reference_tensors() {
  std::vector<float> weight(8);
  for (int i = 0; i < 8; ++i) weight[i] = 0.5f * static_cast<float>(i) - 1.0f;
  return {{"conv.weight", Tensor::from_vector({2, 1, 2, 2}, weight)},
          {"conv.bias", Tensor::from_vector({2}, {0.25f, -0.75f})},
          {"empty", Tensor::zeros({0, 3})},
          {"scalar", Tensor::full({}, 3.5f)}};
}
const std::map<std::string, std::string> kReferenceMetadata = {{"model", "lenet"}, {"note", "caf\u00e9 \u00fcber"}};

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("poolnet_safetensors_{}_{}", ::getpid(),
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write_bytes(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::ofstream(path(name), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path(name);
  }
  static std::vector<uint8_t> read_bytes(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  std::vector<std::string> folder_entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  // A file with this JSON header (padded) and `data_bytes` bytes of data; returns the error.
  std::string load_error(const std::string& header, size_t data_bytes = 44) const {
    std::string text = header;
    text.append((8 - text.size() % 8) % 8, ' ');
    std::vector<uint8_t> bytes(8 + text.size() + data_bytes, 0);
    const uint64_t n = text.size();
    std::memcpy(bytes.data(), &n, 8);
    std::memcpy(bytes.data() + 8, text.data(), text.size());
    return load_error_of(bytes);
  }
  std::string load_error_of(const std::vector<uint8_t>& bytes) const {
    const std::string file = write_bytes("bad.safetensors", bytes);
    try {
      load_safetensors(file);
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

void expect_same_tensors(const NamedTensors& a, const NamedTensors& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(bitwise_equal(a[i].second, b[i].second)) << a[i].first;
  }
}

TEST_F(Safetensors, RoundTripKeepsNamesShapesValuesAndMetadata) {
  NamedTensors tensors = reference_tensors();
  tensors.emplace_back("features.0.weight", testing::random_tensor({16, 8, 3, 3}, 7));
  tensors.emplace_back("special", Tensor::from_vector({3}, {-0.0f, 1e-40f, -3.4e38f}));
  save_safetensors(path("model.safetensors"), tensors, kReferenceMetadata);
  const SafetensorsFile loaded = load_safetensors(path("model.safetensors"));
  expect_same_tensors(loaded.tensors, tensors);
  EXPECT_EQ(loaded.metadata, kReferenceMetadata);
  EXPECT_TRUE(loaded.checksum_verified);
  EXPECT_EQ(folder_entries(), std::vector<std::string>{"model.safetensors"});  // no temporary left

  save_safetensors(path("nothing.safetensors"), {});
  const SafetensorsFile nothing = load_safetensors(path("nothing.safetensors"));
  EXPECT_TRUE(nothing.tensors.empty());
  EXPECT_TRUE(nothing.metadata.empty());
  EXPECT_TRUE(nothing.checksum_verified);
}

TEST_F(Safetensors, WritesTheReferenceLayoutByteForByte) {
  save_safetensors(path("ours.safetensors"), reference_tensors(), kReferenceMetadata);
  const std::vector<uint8_t> ours = read_bytes(path("ours.safetensors"));
  EXPECT_EQ(ours.size(), kPoolnetLayout.size());
  EXPECT_TRUE(ours == kPoolnetLayout) << std::string(ours.begin() + 8, ours.end() - 44);
  const SafetensorsFile loaded = load_safetensors(write_bytes("reference.safetensors", kPoolnetLayout));
  expect_same_tensors(loaded.tensors, reference_tensors());
  EXPECT_TRUE(loaded.checksum_verified);
}

TEST_F(Safetensors, ReadsFilesFromOtherWritersInDataOrder) {
  const SafetensorsFile loaded = load_safetensors(write_bytes("foreign.safetensors", kForeignLayout));
  const NamedTensors r = reference_tensors();
  expect_same_tensors(loaded.tensors, NamedTensors{r[1], r[3], r[0]});
  EXPECT_TRUE(loaded.metadata.empty());
  EXPECT_FALSE(loaded.checksum_verified);
}

TEST_F(Safetensors, RejectsCorruptHeadersNamingFileAndTensor) {
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})";
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos ? ::testing::AssertionSuccess()
                                                   : ::testing::AssertionFailure() << message;
  };
  EXPECT_TRUE(has(load_error_of({1, 0, 0}), "file has 3 bytes, fewer than the 8-byte header length"));
  EXPECT_TRUE(has(load_error_of({16, 0, 0, 0, 0, 0, 0, 0, '{', '}'}),
                  "header length 16 exceeds the 2 bytes after the length field"));
  EXPECT_TRUE(has(load_error_of({0, 0, 0, 0x10, 0, 0, 0, 0, '{', '}'}),
                  "header length 268435456 exceeds the 104857600-byte limit"));
  EXPECT_TRUE(has(load_error("{\"a\":", 0), "malformed JSON header"));
  EXPECT_TRUE(has(load_error("[1,2]", 0), "the header must be a JSON object, found array"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", 4),
                  "tensor 'a': dtype F16 is not supported (poolnet reads F32 only)"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})", 0),
                  "tensor 'a': shape [4294967296,4294967296,16] has too many elements"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", 0),
                  "tensor 'a': shape [4611686018427387904] has too many elements"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
                  "tensor 'a': shape must hold non-negative integers, found -2"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", 8),
                  "tensor 'a': shape must hold non-negative integers, found 2.5"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4),
                  "tensor 'a': shape [1,1,1,1,1,1,1] has more than 6 dimensions"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[2]}})", 8), "tensor 'a': missing \"data_offsets\""));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8),
                  "tensor 'a': data_offsets must be [begin, end], found [0]"));
  EXPECT_TRUE(has(load_error("{" + ok_entry + "}", 12),
                  "tensor 'a': data_offsets [0, 16] out of range (the data section has 12 bytes)"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,4]}})", 8),
                  "tensor 'a': data_offsets [8, 4] out of range"));
  EXPECT_TRUE(has(load_error(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
                  "tensor 'a': data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12"));
  EXPECT_TRUE(has(load_error("{" + ok_entry + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16),
                  "tensor 'b': data_offsets [8, 16] overlap tensor 'a' [0, 16]"));
  EXPECT_TRUE(has(load_error("{" + ok_entry + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[20,24]}})", 24),
                  "tensor 'b': gap of 4 bytes before data_offsets [20, 24]"));
  EXPECT_TRUE(has(load_error("{" + ok_entry + "}", 20),
                  "the tensors cover 16 bytes of a 20-byte data section (trailing data)"));
  EXPECT_TRUE(has(load_error(R"({"__metadata__":{"k":3}})", 0), "__metadata__ 'k' must be a string, found 3"));
  EXPECT_TRUE(has(load_error(R"({"__metadata__":[]})", 0), "__metadata__ must be an object"));
}

TEST_F(Safetensors, DetectsCorruptDataThroughTheChecksum) {
  std::vector<uint8_t> bytes = kPoolnetLayout;
  bytes[bytes.size() - 10] ^= 0x01;  // one bit of the data section
  EXPECT_NE(load_error_of(bytes).find("checksum mismatch: poolnet.crc32 is 9cdb6a52 but the data gives"),
            std::string::npos);
  // The same change in a file without a checksum goes unnoticed, as in any safetensors reader.
  std::vector<uint8_t> foreign = kForeignLayout;
  foreign[foreign.size() - 10] ^= 0x01;
  EXPECT_NO_THROW(load_safetensors(write_bytes("foreign.safetensors", foreign)));
}

TEST_F(Safetensors, ErrorsNameThePathAndTheSystemError) {
  try {
    load_safetensors(path("missing.safetensors"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("cannot open '{}': No such file or directory", path("missing.safetensors")));
  }
  try {
    save_safetensors(path("no/such/folder/model.safetensors"), reference_tensors());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("cannot write '{}': cannot create a temporary file in '{}': No such file or directory",
                          path("no/such/folder/model.safetensors"), path("no/such/folder")));
  }
}

TEST_F(Safetensors, RejectsBadInputToSave) {
  const Tensor t = Tensor::zeros({2});
  try {
    save_safetensors(path("x"), {{"a", t}, {"a", t}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), fmt::format("save_safetensors '{}': tensor name 'a' appears twice", path("x")));
  }
  EXPECT_THROW(save_safetensors(path("x"), {{"__metadata__", t}}), ConfigError);
  EXPECT_THROW(save_safetensors(path("x"), {{"", t}}), ConfigError);
  EXPECT_THROW(save_safetensors(path("x"), {{"a", Tensor()}}), ConfigError);
  EXPECT_THROW(save_safetensors(path("x"), {{"a", t}}, {{"poolnet.crc32", "0"}}), ConfigError);
  EXPECT_THROW(save_safetensors(path("x"), {{"bad\xff", t}}), ConfigError);
  EXPECT_TRUE(folder_entries().empty());
}

TEST_F(Safetensors, KeepsTheOldFileWhenTheFolderIsNotWritable) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: folder permissions do not stop writes";
  save_safetensors(path("model.safetensors"), reference_tensors());
  const std::vector<uint8_t> old = read_bytes(path("model.safetensors"));
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  try {
    save_safetensors(path("model.safetensors"), {{"other", Tensor::ones({4})}});
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("Permission denied"), std::string::npos) << e.what();
  }
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
  EXPECT_EQ(read_bytes(path("model.safetensors")), old);
  EXPECT_EQ(folder_entries(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(Safetensors, KeepsTheOldFileWhenWritingFailsMidway) {
  save_safetensors(path("model.safetensors"), reference_tensors());
  const std::vector<uint8_t> old = read_bytes(path("model.safetensors"));
  // A file-size limit makes write() fail with EFBIG part of the way through (root too).
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    save_safetensors(path("model.safetensors"), {{"big", Tensor::ones({100000})}});
  } catch (const IoError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_EQ(message, fmt::format("cannot write '{}': write failed: File too large", path("model.safetensors")));
  EXPECT_EQ(read_bytes(path("model.safetensors")), old);
  EXPECT_EQ(folder_entries(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(Safetensors, RemovesTheTemporaryFileWhenTheRenameFails) {
  fs::create_directories(path("model.safetensors/inside"));  // a non-empty folder cannot be replaced by a file
  try {
    save_safetensors(path("model.safetensors"), reference_tensors());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("rename of the temporary file failed: Is a directory"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(folder_entries(), std::vector<std::string>{"model.safetensors"});
  EXPECT_TRUE(fs::is_directory(path("model.safetensors/inside")));
}

TEST(CheckTensorsMatch, ListsMissingUnexpectedAndMismatchedShapes) {
  const NamedTensors expected{{"conv.weight", Tensor::zeros({6, 1, 5, 5})},
                              {"conv.bias", Tensor::zeros({6})},
                              {"fc.weight", Tensor::zeros({10, 84})}};
  const NamedTensors reordered{expected[2], expected[0], expected[1]};
  EXPECT_NO_THROW(check_tensors_match(expected, reordered, "model.safetensors"));
  const NamedTensors found{{"conv.weight", Tensor::zeros({6, 1, 3, 3})},
                           {"fc.weight", Tensor::zeros({10, 84})},
                           {"head.weight", Tensor::zeros({10})}};
  try {
    check_tensors_match(expected, found, "model.safetensors");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()),
              "model.safetensors: tensors do not match the expected ones: missing (1): conv.bias; unexpected (1): "
              "head.weight; shape mismatch (1): conv.weight expected [6,1,5,5], found [6,1,3,3]");
  }
  NamedTensors many;
  for (int i = 0; i < 11; ++i) many.emplace_back(fmt::format("t{}", i), Tensor::zeros({1}));
  try {
    check_tensors_match(many, {}, "ckpt");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()),
              "ckpt: tensors do not match the expected ones: missing (11): t0, t1, t2, t3, t4, t5, t6, t7 and 3 more");
  }
}

TEST(CheckTensorsMatch, CopyIntoFillsTargetsByName) {
  const NamedTensors targets{{"a", Tensor::zeros({2})}, {"b", Tensor::zeros({1, 2})}};
  copy_tensors_into(targets, {{"b", Tensor::from_vector({1, 2}, {3, 4})}, {"a", Tensor::from_vector({2}, {1, 2})}},
                    "src");
  EXPECT_EQ(targets[0].second.to_vector(), (std::vector<float>{1, 2}));
  EXPECT_EQ(targets[1].second.to_vector(), (std::vector<float>{3, 4}));
  EXPECT_THROW(copy_tensors_into(targets, {{"a", Tensor::zeros({2})}}, "src"), DataError);
}

TEST_F(Safetensors, OptimizerStateThroughAFileResumesBitIdentically) {
  AdamW straight(testing::optim_problem_params(), {.lr = 0.01});
  testing::run_problem_steps(straight, 0, 6, true);

  AdamW first(testing::optim_problem_params(), {.lr = 0.01});
  testing::run_problem_steps(first, 0, 3, true);
  save_safetensors(path("model.safetensors"), first.params());
  save_safetensors(path("optimizer.safetensors"), first.state(), {{"optimizer", first.describe()}});

  NamedTensors params = testing::optim_problem_params();
  copy_tensors_into(params, load_safetensors(path("model.safetensors")).tensors, "model.safetensors");
  AdamW resumed(params, {.lr = 0.01});
  const SafetensorsFile state = load_safetensors(path("optimizer.safetensors"));
  EXPECT_EQ(state.metadata.at("optimizer"), first.describe());
  resumed.load_state(state.tensors);
  testing::run_problem_steps(resumed, 3, 6, true);
  expect_same_tensors(resumed.params(), straight.params());
  expect_same_tensors(resumed.state(), straight.state());
}

// Writes tests/interop/data/written_by_poolnet.safetensors when POOLNET_INTEROP_DIR is set; the
// file is then checked with PyTorch by tests/interop/read_safetensors.py.
TEST(SafetensorsInterop, WritesInteropFile) {
  const char* dir = std::getenv("POOLNET_INTEROP_DIR");
  if (dir == nullptr) GTEST_SKIP() << "set POOLNET_INTEROP_DIR to write the interop file";
  Tensor ramp = Tensor::empty({2, 3, 4});
  for (int i = 0; i < 24; ++i) ramp.data()[i] = 0.25f * static_cast<float>(i) - 3.0f;
  Tensor bias = Tensor::empty({5});
  for (int i = 0; i < 5; ++i) bias.data()[i] = static_cast<float>(i) / 8.0f;
  const NamedTensors tensors{
      {"ramp", ramp}, {"bias", bias}, {"scalar", Tensor::full({}, -1.5f)}, {"empty", Tensor::zeros({0, 4})}};
  const std::string file = std::string(dir) + "/written_by_poolnet.safetensors";
  save_safetensors(file, tensors, {{"model", "lenet"}, {"step", "42"}});
  expect_same_tensors(load_safetensors(file).tensors, tensors);
}

}  // namespace
}  // namespace poolnet
