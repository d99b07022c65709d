#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <functional>

#include "framework/data/idx.h"
#include "framework/errors.h"
#include "tests/support/data_files.h"

namespace poolnet::data {
namespace {

using poolnet::testing::gzip_bytes;
using poolnet::testing::idx_bytes;
using poolnet::testing::pattern_bytes;
using poolnet::testing::TempDir;
using poolnet::testing::write_bytes;

// Expects read() to throw DataError whose message names the file and contains `needle`.
void expect_data_error(const std::function<void()>& read, const std::filesystem::path& file,
                       const std::string& needle) {
  try {
    read();
    ADD_FAILURE() << "no DataError for " << file;
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("idx: "), std::string::npos) << message;
    EXPECT_NE(message.find(file.filename().string()), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(Idx, ReadsRawAndGzipImagesAndLabels) {
  TempDir dir;
  const std::vector<uint8_t> pixels = pattern_bytes(5 * 4 * 3, 1);
  const std::vector<uint8_t> labels = {3, 1, 4, 1, 5};
  write_bytes(dir / "images", idx_bytes({5, 4, 3}, pixels));
  write_bytes(dir / "images.gz", gzip_bytes(idx_bytes({5, 4, 3}, pixels)));
  write_bytes(dir / "labels.gz", gzip_bytes(idx_bytes({5}, labels)));
  for (const char* name : {"images", "images.gz"}) {
    const IdxArray a = read_idx_images(dir / name);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{5, 4, 3})) << name;
    EXPECT_EQ(a.data, pixels) << name;
  }
  const IdxArray l = read_idx_labels(dir / "labels.gz");
  EXPECT_EQ(l.dims, (std::vector<int64_t>{5}));
  EXPECT_EQ(l.data, labels);
}

TEST(Idx, RecognisesGzipByContentNotByName) {
  TempDir dir;
  const std::vector<uint8_t> pixels = pattern_bytes(2 * 3 * 3, 2);
  write_bytes(dir / "compressed-without-suffix", gzip_bytes(idx_bytes({2, 3, 3}, pixels)));
  write_bytes(dir / "raw-with-suffix.gz", idx_bytes({2, 3, 3}, pixels));
  EXPECT_EQ(read_idx_images(dir / "compressed-without-suffix").data, pixels);
  EXPECT_EQ(read_idx_images(dir / "raw-with-suffix.gz").data, pixels);
}

TEST(Idx, LargeGzipPayloadReadsInChunks) {
  // More than the first read chunk (1 MiB), with and without a matching size hint.
  TempDir dir;
  const std::vector<uint8_t> pixels = pattern_bytes(1500 * 28 * 28, 3);
  write_bytes(dir / "big.gz", gzip_bytes(idx_bytes({1500, 28, 28}, pixels)));
  EXPECT_EQ(read_idx_images(dir / "big.gz").data, pixels);
  // Two gzip members: the trailer's size hint covers only the second.
  std::vector<uint8_t> two =
      gzip_bytes(idx_bytes({1500, 28, 28}, std::vector<uint8_t>(pixels.begin(), pixels.begin() + 1000)));
  std::vector<uint8_t> rest = gzip_bytes(std::vector<uint8_t>(pixels.begin() + 1000, pixels.end()));
  two.insert(two.end(), rest.begin(), rest.end());
  write_bytes(dir / "members.gz", two);
  EXPECT_EQ(read_idx_images(dir / "members.gz").data, pixels);
}

TEST(Idx, WriteIdxRoundTripsAtomically) {
  TempDir dir;
  const std::vector<uint8_t> pixels = pattern_bytes(3 * 2 * 2, 4);
  const int64_t dims[3] = {3, 2, 2};
  write_idx(dir / "a", dims, pixels);
  write_idx(dir / "a.gz", dims, pixels, /*gzip=*/true);
  EXPECT_EQ(read_idx_images(dir / "a").data, pixels);
  EXPECT_EQ(read_idx_images(dir / "a.gz").data, pixels);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2);  // no temporary file left behind
  EXPECT_THROW(write_idx(dir / "b", dims, std::vector<uint8_t>(5)), ShapeError);
  EXPECT_THROW(write_idx(dir / "no-such-folder" / "c", dims, pixels), IoError);
}

TEST(Idx, TruncatedFilesAreDataErrors) {
  TempDir dir;
  std::vector<uint8_t> raw = idx_bytes({10, 28, 28}, pattern_bytes(10 * 28 * 28, 5));
  std::vector<uint8_t> cut(raw.begin(), raw.end() - 100);
  write_bytes(dir / "cut-images-idx3-ubyte", cut);
  expect_data_error([&] { read_idx_images(dir / "cut-images-idx3-ubyte"); }, dir / "cut-images-idx3-ubyte",
                    "header claims 10 images of 28x28 but the file holds 7740 bytes of pixels");
  // A complete gzip stream with too few bytes inside.
  write_bytes(dir / "short.gz", gzip_bytes(cut));
  expect_data_error([&] { read_idx_images(dir / "short.gz"); }, dir / "short.gz", "the file holds 7740 bytes");
  // A gzip stream cut in the middle.
  std::vector<uint8_t> gz = gzip_bytes(raw);
  gz.resize(gz.size() / 2);
  write_bytes(dir / "cut.gz", gz);
  expect_data_error([&] { read_idx_images(dir / "cut.gz"); }, dir / "cut.gz", "truncated");
  // Header cut short, and a file shorter than the magic number.
  write_bytes(dir / "header", std::vector<uint8_t>(raw.begin(), raw.begin() + 9));
  expect_data_error([&] { read_idx_images(dir / "header"); }, dir / "header", "header ends after 9 bytes, expected 16");
  write_bytes(dir / "tiny", {0, 0});
  expect_data_error([&] { read_idx_images(dir / "tiny"); }, dir / "tiny", "too short for an IDX header");
  write_bytes(dir / "empty.gz", gzip_bytes({}));
  expect_data_error([&] { read_idx_labels(dir / "empty.gz"); }, dir / "empty.gz", "too short for an IDX header");
}

TEST(Idx, OverLongFilesAreDataErrors) {
  TempDir dir;
  std::vector<uint8_t> raw = idx_bytes({4}, {1, 2, 3, 4, 5});
  write_bytes(dir / "long-labels", raw);
  expect_data_error([&] { read_idx_labels(dir / "long-labels"); }, dir / "long-labels",
                    "header claims 4 labels but the file holds 5 bytes of labels");
  write_bytes(dir / "long-labels.gz", gzip_bytes(raw));
  expect_data_error([&] { read_idx_labels(dir / "long-labels.gz"); }, dir / "long-labels.gz",
                    "header claims 4 labels but the file holds 5 bytes of labels");
}

TEST(Idx, CorruptGzipIsDataError) {
  TempDir dir;
  std::vector<uint8_t> gz = gzip_bytes(idx_bytes({50, 28, 28}, pattern_bytes(50 * 28 * 28, 6)));
  gz[gz.size() - 6] ^= 0xFF;  // the CRC
  write_bytes(dir / "crc.gz", gz);
  expect_data_error([&] { read_idx_images(dir / "crc.gz"); }, dir / "crc.gz", "corrupt or truncated gzip");
}

TEST(Idx, BadHeadersAreDataErrors) {
  TempDir dir;
  std::vector<uint8_t> good = idx_bytes({2, 2, 2}, pattern_bytes(8, 7));
  std::vector<uint8_t> magic = good;
  magic[0] = 0x1A;
  write_bytes(dir / "magic", magic);
  expect_data_error([&] { read_idx_images(dir / "magic"); }, dir / "magic", "not an IDX file: magic bytes 1a 00 08 03");
  std::vector<uint8_t> dtype = good;
  dtype[2] = 0x0D;
  write_bytes(dir / "dtype", dtype);
  expect_data_error([&] { read_idx_images(dir / "dtype"); }, dir / "dtype", "dtype 0x0d (float32) is not supported");
  write_bytes(dir / "rank", good);
  expect_data_error([&] { read_idx_labels(dir / "rank"); }, dir / "rank", "rank 3 (idx3), expected rank 1 (idx1)");
  write_bytes(dir / "zero", idx_bytes({0, 28, 28}, {}));
  expect_data_error([&] { read_idx_images(dir / "zero"); }, dir / "zero", "dimension 0 of the header is 0");
  expect_data_error([&] { read_idx_images(dir / "missing"); }, dir / "missing", "no such file");
}

// Runs `read` in a child process whose address space may grow by at most 256 MiB: a reader
// that allocated what a lying header claims would die of bad_alloc instead of a DataError.
[[noreturn]] void read_within_memory_limit(const std::function<void()>& read) {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  const uint64_t limit = pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) + (uint64_t{256} << 20);
  const rlimit r{limit, limit};
  ::setrlimit(RLIMIT_AS, &r);
  try {
    read();
  } catch (const DataError&) {
    std::_Exit(0);
  } catch (...) {
    std::_Exit(2);
  }
  std::_Exit(1);
}

void expect_data_error_within_memory_limit(const std::function<void()>& read) {
  EXPECT_EXIT(read_within_memory_limit(read), ::testing::ExitedWithCode(0), "");
}

TEST(Idx, HugeHeaderFailsBeforeAllocating) {
  TempDir dir;
  const std::vector<uint8_t> raw = idx_bytes({0x80000000u, 28, 28}, pattern_bytes(60 * 28 * 28, 8));
  write_bytes(dir / "train-images-idx3-ubyte", raw);
  write_bytes(dir / "train-images-idx3-ubyte.gz", gzip_bytes(raw));
  // 5,000,000 images of 28x28 is within the 4 GiB limit, yet the gzip holds 60 images.
  write_bytes(dir / "lying.gz", gzip_bytes(idx_bytes({5000000, 28, 28}, pattern_bytes(60 * 28 * 28, 8))));
  expect_data_error([&] { read_idx_images(dir / "train-images-idx3-ubyte"); }, dir / "train-images-idx3-ubyte",
                    "header claims 2147483648 images of 28x28 (more than the 4294967296-byte limit) but the file "
                    "holds 47040 bytes of pixels");
  expect_data_error([&] { read_idx_images(dir / "train-images-idx3-ubyte.gz"); }, dir / "train-images-idx3-ubyte.gz",
                    "but the file holds 47040 bytes of pixels");
  expect_data_error([&] { read_idx_images(dir / "lying.gz"); }, dir / "lying.gz",
                    "header claims 5000000 images of 28x28 but the file holds 47040 bytes of pixels");
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  expect_data_error_within_memory_limit([&] { read_idx_images(dir / "train-images-idx3-ubyte"); });
  expect_data_error_within_memory_limit([&] { read_idx_images(dir / "train-images-idx3-ubyte.gz"); });
  expect_data_error_within_memory_limit([&] { read_idx_images(dir / "lying.gz"); });
}

}  // namespace
}  // namespace poolnet::data

namespace poolnet::data {
namespace {

TEST(Idx, RandomMutationsAreReadOrRejectedCleanly) {
  // Mutated headers, payloads and gzip streams: each read either succeeds with a payload that
  // matches its dimensions or throws DataError.
  TempDir dir;
  const std::vector<uint8_t> raw = idx_bytes({20, 7, 5}, pattern_bytes(700, 11));
  const std::vector<uint8_t> gz = gzip_bytes(raw);
  uint64_t state = 99;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  int rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<uint8_t> bytes = trial % 2 ? gz : raw;
    const uint64_t limit = trial % 4 < 2 ? 16 : bytes.size();  // half of the edits hit the header
    for (uint64_t e = 0, edits = 1 + next(3); e < edits && !bytes.empty(); ++e) {
      const uint64_t at = next(std::min<uint64_t>(limit, bytes.size()));
      if (next(5) == 0) {
        bytes.resize(at);
      } else if (at < bytes.size()) {
        bytes[at] = static_cast<uint8_t>(next(256));
      }
    }
    write_bytes(dir / "m", bytes);
    try {
      const IdxArray a = read_idx_images(dir / "m");
      EXPECT_EQ(a.data.size(), static_cast<size_t>(a.dims[0] * a.dims[1] * a.dims[2]));
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("idx: "), std::string::npos) << e.what();
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace poolnet::data

namespace poolnet::data {
namespace {

TEST(Idx, ForgedGzipSizeTrailerDoesNotCauseAHugeAllocation) {
  // Header and gzip trailer both claim 3,000,000 images of 28x28 (2.35 GB, under the limit), but
  // the stream holds 2000: the size hint is not trusted beyond what the compressed size allows.
  TempDir dir;
  const uint32_t claimed = 3000000;
  std::vector<uint8_t> gz = gzip_bytes(idx_bytes({claimed, 28, 28}, pattern_bytes(2000 * 28 * 28, 12)));
  const uint32_t isize = static_cast<uint32_t>(16 + uint64_t{claimed} * 784);
  for (int k = 0; k < 4; ++k) gz[gz.size() - 4 + k] = static_cast<uint8_t>(isize >> (8 * k));
  write_bytes(dir / "forged.gz", gz);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  expect_data_error_within_memory_limit([&] { read_idx_images(dir / "forged.gz"); });
}

}  // namespace
}  // namespace poolnet::data
