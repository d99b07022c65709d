#include "framework/data/idx.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "framework/io/atomic_file.h"
#include "framework/errors.h"

namespace poolnet::data {

namespace fs = std::filesystem;

namespace {

constexpr size_t kInitialChunk = size_t{1} << 20;
constexpr uint64_t kMaxDeflateRatio = 1032;

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw DataError(fmt::format("idx: {}: {}", path.string(), what));
}

// Sequential reader over a raw or gzip file (zlib reads raw files transparently).
class Reader {
 public:
  explicit Reader(const fs::path& path) : path_(path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) fail(path, "no such file");
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) fail(path, fmt::format("cannot open the file ({})", std::strerror(errno)));
    gzbuffer(file_, 1u << 18);
  }
  ~Reader() { gzclose(file_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool compressed() { return gzdirect(file_) == 0; }

  // Reads up to n bytes; fewer only at the end of the data. A corrupt or truncated gzip
  // stream is an error, not an early end.
  size_t read(uint8_t* dst, size_t n) {
    size_t done = 0;
    while (done < n) {
      const auto want = static_cast<unsigned>(std::min<size_t>(n - done, size_t{1} << 30));
      const int got = gzread(file_, dst + done, want);
      if (got <= 0) {
        int errnum = Z_OK;
        const char* message = gzerror(file_, &errnum);
        if (errnum != Z_OK) fail(path_, fmt::format("corrupt or truncated gzip data (zlib: {})", message));
        break;
      }
      done += static_cast<size_t>(got);
    }
    return done;
  }

  // Counts the bytes left, stopping past `cap`.
  uint64_t count_rest(uint64_t cap) {
    std::vector<uint8_t> scratch(kInitialChunk);
    uint64_t total = 0;
    while (total <= cap) {
      const size_t got = read(scratch.data(), scratch.size());
      if (got == 0) break;
      total += got;
    }
    return total;
  }

 private:
  fs::path path_;
  gzFile file_ = nullptr;
};

// The gzip trailer's ISIZE field: the uncompressed size modulo 2^32 (a hint only).
uint32_t gzip_size_hint(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(-4, std::ios::end);
  uint8_t b[4] = {0, 0, 0, 0};
  if (!in.read(reinterpret_cast<char*>(b), 4)) return 0;
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

const char* dtype_name(uint8_t code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "unknown";
  }
}

// "60000 images of 28x28" / "60000 labels".
std::string describe(const std::vector<int64_t>& dims, const char* what) {
  std::string text = fmt::format("{} {}", dims[0], what);
  for (size_t d = 1; d < dims.size(); ++d) text += fmt::format("{}{}", d == 1 ? " of " : "x", dims[d]);
  return text;
}

const char* payload_noun(const char* what) { return std::strcmp(what, "images") == 0 ? "pixels" : what; }

// The payload size the header claims, saturated just above the limit.
uint64_t claimed_bytes(const std::vector<int64_t>& dims) {
  uint64_t total = 1;
  for (int64_t d : dims) {
    total *= static_cast<uint64_t>(d);
    if (total > kIdxMaxPayloadBytes) return kIdxMaxPayloadBytes + 1;
  }
  return total;
}

[[noreturn]] void fail_size(const fs::path& path, const std::vector<int64_t>& dims, const char* what, uint64_t claimed,
                            const std::string& holds) {
  const std::string limit =
      claimed > kIdxMaxPayloadBytes ? fmt::format(" (more than the {}-byte limit)", kIdxMaxPayloadBytes) : "";
  fail(path, fmt::format("header claims {}{} but the file holds {} bytes of {}", describe(dims, what), limit, holds,
                         payload_noun(what)));
}

std::vector<int64_t> read_header(Reader& in, const fs::path& path, int64_t rank) {
  uint8_t magic[4];
  const size_t got = in.read(magic, 4);
  if (got < 4) fail(path, fmt::format("the file holds {} bytes, too short for an IDX header", got));
  if (magic[0] != 0 || magic[1] != 0) {
    fail(path, fmt::format("not an IDX file: magic bytes {:02x} {:02x} {:02x} {:02x}, expected 00 00 08 {:02x}",
                           magic[0], magic[1], magic[2], magic[3], rank));
  }
  if (magic[2] != 0x08) {
    fail(path, fmt::format("dtype 0x{:02x} ({}) is not supported, expected 0x08 (unsigned byte)", magic[2],
                           dtype_name(magic[2])));
  }
  if (magic[3] != rank)
    fail(path, fmt::format("rank {} (idx{}), expected rank {} (idx{})", magic[3], magic[3], rank, rank));
  std::vector<uint8_t> raw(static_cast<size_t>(4 * rank));
  const size_t have = in.read(raw.data(), raw.size());
  if (have < raw.size()) {
    fail(path, fmt::format("the header ends after {} bytes, expected {}", 4 + have, 4 + raw.size()));
  }
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d) {
    const uint8_t* b = &raw[static_cast<size_t>(4 * d)];
    dims[d] = int64_t{b[0]} << 24 | int64_t{b[1]} << 16 | int64_t{b[2]} << 8 | int64_t{b[3]};
    if (dims[d] == 0) fail(path, fmt::format("dimension {} of the header is 0", d));
  }
  return dims;
}

}  // namespace

IdxArray read_idx(const fs::path& path, int64_t rank, const char* what) {
  Reader in(path);
  IdxArray out;
  out.dims = read_header(in, path, rank);
  const uint64_t header = static_cast<uint64_t>(4 + 4 * rank);
  const uint64_t claimed = claimed_bytes(out.dims);

  if (!in.compressed()) {
    // Raw: the file size tells the payload size before anything is allocated.
    std::error_code ec;
    const uint64_t file_size = fs::file_size(path, ec);
    if (ec) fail(path, "cannot read the file size (" + ec.message() + ")");
    const uint64_t holds = file_size - header;
    if (holds != claimed || claimed > kIdxMaxPayloadBytes)
      fail_size(path, out.dims, what, claimed, std::to_string(holds));
    out.data.resize(claimed);
    const size_t got = in.read(out.data.data(), claimed);
    if (got != claimed) fail_size(path, out.dims, what, claimed, std::to_string(got));
    return out;
  }

  // Gzip: grow the buffer only as data arrives, up to the claimed size.
  if (claimed > kIdxMaxPayloadBytes) {
    const uint64_t holds = in.count_rest(kIdxMaxPayloadBytes);
    fail_size(path, out.dims, what, claimed, holds > kIdxMaxPayloadBytes ? "more than that" : std::to_string(holds));
  }
  // Trust the trailer's size for one up-front allocation only if the compressed size could
  // hold that much (deflate expands at most ~1032:1); otherwise grow as data arrives.
  std::error_code ec;
  const uint64_t compressed = fs::file_size(path, ec);
  const bool hint_matches = !ec && claimed <= compressed * kMaxDeflateRatio &&
                            gzip_size_hint(path) == static_cast<uint32_t>(header + claimed);
  size_t filled = 0;
  out.data.resize(hint_matches ? claimed : std::min<uint64_t>(claimed, kInitialChunk));
  while (true) {
    const size_t got = in.read(out.data.data() + filled, out.data.size() - filled);
    filled += got;
    if (filled < out.data.size()) fail_size(path, out.dims, what, claimed, std::to_string(filled));
    if (filled == claimed) break;
    out.data.resize(std::min<uint64_t>(claimed, 2 * out.data.size()));
  }
  uint8_t probe = 0;
  if (in.read(&probe, 1) == 1) {
    const uint64_t holds = claimed + 1 + in.count_rest(kIdxMaxPayloadBytes);
    fail_size(path, out.dims, what, claimed, std::to_string(holds));
  }
  return out;
}

IdxArray read_idx_images(const fs::path& path) { return read_idx(path, 3, "images"); }

IdxArray read_idx_labels(const fs::path& path) { return read_idx(path, 1, "labels"); }

namespace {
// bytes compressed in the gzip format (deflate with a gzip header), as `gzip -6` writes it.
std::vector<uint8_t> gzip_bytes(std::span<const uint8_t> bytes, const fs::path& path) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw IoError(fmt::format("write_idx: {}: cannot start gzip compression", path.string()));
  }
  std::vector<uint8_t> out(deflateBound(&z, static_cast<uLong>(bytes.size())));
  z.next_in = const_cast<Bytef*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw IoError(fmt::format("write_idx: {}: gzip compression failed", path.string()));
  return out;
}
}  // namespace

void write_idx(const fs::path& path, std::span<const int64_t> dims, std::span<const uint8_t> data, bool gzip) {
  std::vector<uint8_t> bytes = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  uint64_t total = 1;
  for (int64_t d : dims) {
    const auto u = static_cast<uint32_t>(d);
    bytes.insert(bytes.end(), {uint8_t(u >> 24), uint8_t(u >> 16), uint8_t(u >> 8), uint8_t(u)});
    total *= static_cast<uint64_t>(d);
  }
  if (total != data.size()) {
    throw ShapeError(
        fmt::format("write_idx: {}: dimensions hold {} bytes but {} were given", path.string(), total, data.size()));
  }
  bytes.insert(bytes.end(), data.begin(), data.end());
  if (gzip) bytes = gzip_bytes(bytes, path);
  AtomicFile file(path.string());
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace poolnet::data
