// AtomicFile: writes a file so that readers see either the old content or the complete new
// one, never a half-written file. Data goes to a temporary file in the target's folder;
// commit() flushes it to disk (fsync), renames it over the target and syncs the folder. If
// anything fails, or the AtomicFile is destroyed without commit(), the temporary file is
// removed and the old target stays as it was. Errors are IoError naming the path and the OS
// error (strerror).
//
//   AtomicFile file("runs/model.safetensors");
//   file.write(header.data(), header.size());
//   file.commit();
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace poolnet {

class AtomicFile {
 public:
  // Creates the temporary file (IoError if the folder is missing or not writable).
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Makes the new content the target's; the AtomicFile is finished afterwards.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return temporary_; }

 private:
  [[noreturn]] void fail(const std::string& what, int error);
  void discard() noexcept;

  std::string path_;
  std::string temporary_;
  int fd_ = -1;
  bool done_ = false;
};

// Writes `text` to `path` atomically (for JSON, CSV, reports).
void write_file_atomically(const std::string& path, std::string_view text);

}  // namespace poolnet
