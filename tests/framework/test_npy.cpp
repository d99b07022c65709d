// The .npy reader (framework/data/npy.h): valid files of every supported dtype and format
// version, built byte by byte here, and every malformed case with the message it must give.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>

#include "framework/data/npy.h"
#include "framework/errors.h"
#include "tests/support/data_files.h"

namespace poolnet::data {
namespace {

using poolnet::testing::TempDir;
using poolnet::testing::write_bytes;

// A file: magic, version, header length (2 bytes for version 1, else 4), header, data.
std::vector<uint8_t> npy_raw(int version, const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(version), 0};
  const size_t n = header.size();
  out.push_back(static_cast<uint8_t>(n));
  out.push_back(static_cast<uint8_t>(n >> 8));
  if (version != 1) {
    out.push_back(static_cast<uint8_t>(n >> 16));
    out.push_back(static_cast<uint8_t>(n >> 24));
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::string dict(const std::string& descr, const std::string& shape, const std::string& order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }   \n";
}

void expect_data_error(const std::filesystem::path& file, const std::string& needle) {
  try {
    read_npy(file);
    ADD_FAILURE() << "no DataError for " << file << " (expected '" << needle << "')";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("npy: ", 0), 0u) << message;
    EXPECT_NE(message.find(file.filename().string()), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

void expect_bad(const std::vector<uint8_t>& bytes, const std::string& needle) {
  TempDir dir;
  write_bytes(dir / "bad.npy", bytes);
  expect_data_error(dir / "bad.npy", needle);
}

TEST(Npy, ReadsUint8ImagesOfEachVersion) {
  TempDir dir;
  std::vector<uint8_t> pixels(2 * 3 * 2);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(7 * i + 200);
  for (int version : {1, 2, 3}) {
    for (const std::string descr : {"|u1", "<u1"}) {
      const auto file = dir / fmt::format("v{}.npy", version);
      write_bytes(file, npy_raw(version, dict(descr, "(2, 3, 2)"), pixels));
      const NpyArray a = read_npy(file);
      EXPECT_EQ(a.header.version, version);
      EXPECT_EQ(a.header.descr, descr);
      EXPECT_EQ(a.header.dtype, NpyDtype::kUint8);
      EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3, 2}));
      EXPECT_EQ(a.bytes, pixels);
      EXPECT_EQ(a.header.data_offset, (version == 1 ? 10u : 12u) + dict(descr, "").size() + 9u);
    }
  }
}

TEST(Npy, ReadsIntegerLabelsLittleEndian) {
  TempDir dir;
  // int64: 3, -2, 2^40 + 5; int32: 9, -1, 70000; uint8: 0, 255.
  const std::vector<uint8_t> i8 = {3,    0,    0,    0,    0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0,    1,    0,    0};
  const std::vector<uint8_t> i4 = {9, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x70, 0x11, 0x01, 0};
  write_bytes(dir / "i8.npy", npy_raw(1, dict("<i8", "(3,)"), i8));
  write_bytes(dir / "i4.npy", npy_raw(2, "{\"descr\":\"<i4\",\"shape\":(3,),\"fortran_order\":False}\n", i4));
  write_bytes(dir / "u1.npy", npy_raw(3, dict("|u1", "(2,)"), {0, 255}));
  EXPECT_EQ(npy_integers(read_npy(dir / "i8.npy")), (std::vector<int64_t>{3, -2, (int64_t{1} << 40) + 5}));
  EXPECT_EQ(npy_integers(read_npy(dir / "i4.npy")), (std::vector<int64_t>{9, -1, 70000}));
  EXPECT_EQ(npy_integers(read_npy(dir / "u1.npy")), (std::vector<int64_t>{0, 255}));
}

TEST(Npy, ReadsRowsAndScalarsAndEmptyArrays) {
  TempDir dir;
  std::vector<uint8_t> data(5 * 4);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  write_bytes(dir / "a.npy", npy_raw(1, dict("|u1", "(5, 4)"), data));
  const NpyArray rows = read_npy_rows(dir / "a.npy", 2, 2);
  EXPECT_EQ(rows.shape, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(rows.bytes, std::vector<uint8_t>(data.begin() + 8, data.begin() + 16));
  EXPECT_THROW(read_npy_rows(dir / "a.npy", 4, 2), DataError);
  write_bytes(dir / "s.npy", npy_raw(1, dict("<i8", "()"), {42, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(npy_integers(read_npy(dir / "s.npy")), (std::vector<int64_t>{42}));
  write_bytes(dir / "e.npy", npy_raw(1, dict("|u1", "(0, 28, 28)"), {}));
  EXPECT_EQ(read_npy(dir / "e.npy").shape, (std::vector<int64_t>{0, 28, 28}));
}

TEST(Npy, WritesWhatNumpySaveWrites) {
  const std::vector<int64_t> shape = {2, 3};
  const std::vector<uint8_t> data = {1, 2, 3, 4, 5, 6};
  const std::vector<uint8_t> bytes = npy_file_bytes("|u1", shape, data);
  // numpy.save(np.arange(1, 7, dtype=np.uint8).reshape(2, 3)): a 128-byte prefix and header.
  const std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  ASSERT_EQ(bytes.size(), 128u + 6u);
  EXPECT_EQ(bytes[8] | bytes[9] << 8, 118);
  EXPECT_EQ(std::string(bytes.begin() + 10, bytes.begin() + 10 + static_cast<int64_t>(header.size())), header);
  EXPECT_EQ(bytes[127], '\n');
  EXPECT_EQ(bytes[126], ' ');
  TempDir dir;
  write_bytes(dir / "w.npy", bytes);
  EXPECT_EQ(read_npy(dir / "w.npy").bytes, data);
}

TEST(Npy, RejectsBadPrefixes) {
  TempDir dir;
  expect_data_error(dir / "missing.npy", "no such file");
  expect_bad({0x93, 'N', 'U'}, "too short");
  expect_bad({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0}, "not an .npy file");
  std::vector<uint8_t> v4 = npy_raw(1, dict("|u1", "(1,)"), {0});
  v4[6] = 4;
  expect_bad(v4, "format version 4.0 is not supported");
  std::vector<uint8_t> minor = npy_raw(1, dict("|u1", "(1,)"), {0});
  minor[7] = 1;
  expect_bad(minor, "format version 1.1");
  expect_bad({0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 5, 0}, "too short for a version 2.0 header");
  std::vector<uint8_t> long_header = npy_raw(1, dict("|u1", "(1,)"), {0});
  long_header[8] = 0xff;
  long_header[9] = 0x7f;
  expect_bad(long_header, "the header claims 32767 bytes but the file holds");
  std::vector<uint8_t> huge_header = npy_raw(2, dict("|u1", "(1,)"), {0});
  huge_header[11] = 0x7f;
  expect_bad(huge_header, "more than the 65536-byte limit");
}

TEST(Npy, RejectsMalformedHeaders) {
  const std::vector<uint8_t> one = {0};
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", one),
             "does not end with a newline");
  expect_bad(npy_raw(1, "['descr']\n", one), "does not start with '{'");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False}\n", one), "lacks the key 'shape'");
  expect_bad(npy_raw(1, "{'fortran_order': False, 'shape': (1,)}\n", one), "lacks the key 'descr'");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'shape': (1,)}\n", one), "lacks the key 'fortran_order'");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (1,)}\n", one),
             "names 'descr' twice");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", one), "the key 'x'");
  expect_bad(npy_raw(1, "{descr: '|u1'}\n", one), "expected a quoted string");
  expect_bad(npy_raw(1, "{'descr' '|u1'}\n", one), "expected ':'");
  expect_bad(npy_raw(1, "{'descr: '|u1'}\n", one), "expected ':'");
  expect_bad(npy_raw(1, "{'descr': '|u1\n", one), "unterminated string");
  expect_bad(npy_raw(1, "{'descr': '|u\\x31', 'fortran_order': False, 'shape': (1,)}\n", one), "escape");
  expect_bad(npy_raw(1, "{'descr': '|u1' 'fortran_order': False}\n", one), "expected ',' or '}'");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': 0, 'shape': (1,)}\n", one), "not True or False");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': [1]}\n", one), "not a tuple");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1)}\n", one),
             "a 1-d shape is written (n,)");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (-1,)}\n", one), "non-negative integer");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1 2)}\n", one), "expected ',' or ')'");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1,)} x\n", one), "after its closing brace");
  expect_bad(npy_raw(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999,)}\n", one),
             "too large");
}

TEST(Npy, RejectsUnsupportedDataAndSizeMismatches) {
  expect_bad(npy_raw(1, dict("<f4", "(1,)"), {0, 0, 0, 0}), "dtype '<f4' is not supported");
  expect_bad(npy_raw(1, dict(">i8", "(1,)"), std::vector<uint8_t>(8)), "dtype '>i8' is not supported");
  expect_bad(npy_raw(1, dict("|u1", "(2, 2)", "True"), {1, 2, 3, 4}), "fortran_order is True");
  expect_bad(npy_raw(1, dict("|u1", "(2, 3)"), {1, 2, 3, 4, 5}), "truncated: shape (2, 3) of |u1 needs 6 bytes");
  expect_bad(npy_raw(1, dict("<i4", "(2,)"), {1, 0, 0, 0, 2, 0, 0}), "needs 8 bytes of data but the file holds 7");
  expect_bad(npy_raw(1, dict("|u1", "(2,)"), {1, 2, 3}), "1 bytes of trailing data");
  expect_bad(npy_raw(1, dict("<i8", "(1048576, 1048576, 1048576)"), {}), "more than the 4294967296-byte limit");
  expect_bad(npy_raw(1, dict("|u1", "(4294967296, 4294967296, 4294967296, 4294967296)"), {}), "byte limit");
}

}  // namespace
}  // namespace poolnet::data
