// Shared by the fuzz targets: the readers under test take a path, so each input is written to
// a per-process scratch file first (in /dev/shm when it exists, so no disk I/O per run).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace poolnet::fuzz {

inline std::string scratch_path(const char* name) {
  const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return (dir / ("poolnet-fuzz-" + std::to_string(getpid()) + "-" + name)).string();
}

inline void write_scratch(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace poolnet::fuzz
