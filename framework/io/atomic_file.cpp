#include "framework/io/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "framework/errors.h"

namespace poolnet {

namespace {
std::string folder_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::atomic<uint64_t> temporary_counter{0};
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::string name = std::filesystem::path(path_).filename().string();
  if (name.empty()) throw IoError(fmt::format("atomic write: '{}' names a folder, not a file", path_));
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temporary_ = (std::filesystem::path(folder_of(path_)) /
                  fmt::format(".{}.tmp-{}-{}", name, ::getpid(), temporary_counter.fetch_add(1)))
                     .string();
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0) {
    const int error = errno;
    throw IoError(fmt::format("cannot write '{}': cannot create a temporary file in '{}': {}", path_, folder_of(path_),
                              std::strerror(error)));
  }
}

AtomicFile::~AtomicFile() {
  if (!done_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temporary_.c_str());
  done_ = true;
}

void AtomicFile::fail(const std::string& what, int error) {
  discard();
  throw IoError(fmt::format("cannot write '{}': {}: {}", path_, what, std::strerror(error)));
}

void AtomicFile::write(const void* data, size_t bytes) {
  if (done_) throw IoError(fmt::format("cannot write '{}': the file was already committed or abandoned", path_));
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write failed", n < 0 ? errno : EIO);
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  if (done_) throw IoError(fmt::format("cannot write '{}': the file was already committed or abandoned", path_));
  if (::fsync(fd_) != 0) fail("fsync failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed", errno);
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) fail("rename of the temporary file failed", errno);
  done_ = true;
  // Make the rename itself durable. Folders that cannot be synced (EINVAL) are accepted.
  const std::string folder = folder_of(path_);
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    throw IoError(fmt::format("wrote '{}' but cannot open its folder to sync it: {}", path_, std::strerror(errno)));
  const int status = ::fsync(dir);
  const int error = errno;
  ::close(dir);
  if (status != 0 && error != EINVAL) {
    throw IoError(fmt::format("wrote '{}' but syncing its folder failed: {}", path_, std::strerror(error)));
  }
}

void write_file_atomically(const std::string& path, std::string_view text) {
  AtomicFile file(path);
  file.write(text);
  file.commit();
}

}  // namespace poolnet
