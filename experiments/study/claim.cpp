#include "experiments/study/claim.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "framework/errors.h"

namespace poolnet {

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  std::string host = name;
  return host.substr(0, host.find('.'));  // as `hostname -s`
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Exclusive create: true if this call made the file (and wrote `text` into it).
bool create_exclusive(const fs::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    throw IoError(fmt::format("{}: cannot create claim: {}", path.string(), std::strerror(errno)));
  }
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    ::unlink(path.c_str());
    throw IoError(fmt::format("{}: cannot write claim: {}", path.string(), std::strerror(written < 0 ? error : ENOSPC)));
  }
  return true;
}
}  // namespace

Claim own_claim() { return {host_name(), static_cast<int64_t>(::getpid()), now_seconds()}; }

std::string to_json(const Claim& c) { return json{{"host", c.host}, {"pid", c.pid}, {"start", c.start}}.dump() + "\n"; }

std::optional<Claim> claim_from_json(const std::string& text) {
  try {
    const json j = json::parse(text);
    return Claim{j.at("host").get<std::string>(), j.at("pid").get<int64_t>(), j.at("start").get<int64_t>()};
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

bool is_stale(const Claim& claim, const std::string& this_host, int64_t now, int64_t timeout_seconds) {
  if (claim.host == this_host) {
    if (claim.pid <= 0) return true;
    return ::kill(static_cast<pid_t>(claim.pid), 0) != 0 && errno == ESRCH;
  }
  return now - claim.start > timeout_seconds;
}

ClaimResult try_claim(const fs::path& path, int64_t timeout_seconds) {
  const Claim mine = own_claim();
  ClaimResult result;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (create_exclusive(path, to_json(mine))) {
      result.claimed = true;
      return result;
    }
    const std::optional<std::string> text = read_text(path);
    if (!text) continue;  // released in the meantime: try again
    result.holder = claim_from_json(*text);
    // A claim being written has no content yet: treat an unreadable claim as live unless old.
    struct stat st {};
    const bool stale = result.holder ? is_stale(*result.holder, mine.host, mine.start, timeout_seconds)
                                     : ::stat(path.c_str(), &st) == 0 && now_seconds() - st.st_mtime > timeout_seconds;
    if (!stale) return result;
    // Take it over: move it aside, and make sure what moved is the claim judged stale.
    const fs::path aside = path.string() + fmt::format(".stale-{}-{}", mine.host, mine.pid);
    if (::rename(path.c_str(), aside.c_str()) != 0) continue;  // someone else moved it first
    const std::optional<std::string> moved = read_text(aside);
    if (moved != text) {
      // A fresh claim was moved by mistake: put it back (link fails if a claim exists again).
      if (::link(aside.c_str(), path.c_str()) != 0) {
      }
      ::unlink(aside.c_str());
      continue;
    }
    ::unlink(aside.c_str());
    result.took_over = true;
  }
  return result;
}

void release_claim(const fs::path& path) {
  const std::optional<std::string> text = read_text(path);
  if (!text) return;
  const std::optional<Claim> holder = claim_from_json(*text);
  const Claim mine = own_claim();
  if (holder && holder->host == mine.host && holder->pid == mine.pid) ::unlink(path.c_str());
}

}  // namespace poolnet
