#include "framework/data/atomic_file.h"

#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "framework/errors.h"

namespace poolnet::data {

namespace fs = std::filesystem;

namespace {

// Writes the temporary file; returns an error text, empty on success.
std::string write_plain(const fs::path& path, std::span<const uint8_t> bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return std::strerror(errno);
  const size_t written = bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), file);
  const int write_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (written != bytes.size()) return std::strerror(write_errno);
  return closed ? std::string() : std::string(std::strerror(errno));
}

std::string write_gzip(const fs::path& path, std::span<const uint8_t> bytes) {
  gzFile file = gzopen(path.c_str(), "wb6");
  if (file == nullptr) return std::strerror(errno);
  size_t done = 0;
  while (done < bytes.size()) {
    const auto n = static_cast<unsigned>(std::min<size_t>(bytes.size() - done, size_t{1} << 30));
    if (gzwrite(file, bytes.data() + done, n) != static_cast<int>(n)) {
      int errnum = Z_OK;
      std::string message = gzerror(file, &errnum);
      gzclose(file);
      return message;
    }
    done += n;
  }
  return gzclose(file) == Z_OK ? std::string() : std::string("gzclose failed");
}

}  // namespace

void write_file_atomically(const fs::path& path, std::span<const uint8_t> bytes, bool gzip) {
  const fs::path temporary = path.string() + fmt::format(".tmp{}", static_cast<long>(::getpid()));
  const std::string error = gzip ? write_gzip(temporary, bytes) : write_plain(temporary, bytes);
  std::error_code ec;
  if (error.empty()) fs::rename(temporary, path, ec);
  if (!error.empty() || ec) {
    const std::string reason = error.empty() ? ec.message() : error;
    fs::remove(temporary, ec);
    throw IoError(fmt::format("write: {}: cannot write the file ({})", path.string(), reason));
  }
}

}  // namespace poolnet::data
