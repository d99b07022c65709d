#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "experiments/study/claim.h"

namespace poolnet {
namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("poolnet_claim_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& path, const Claim& claim) { std::ofstream(path) << to_json(claim); }

// The pid of a process that has exited (and been reaped).
int64_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

TEST(Claim, StaleOnlyForDeadLocalProcessesOrOldRemoteOnes) {
  const Claim me = own_claim();
  EXPECT_FALSE(is_stale(me, me.host, me.start, 60));
  EXPECT_TRUE(is_stale({me.host, dead_pid(), me.start}, me.host, me.start, 60));
  EXPECT_FALSE(is_stale({"elsewhere", 1, me.start - 30}, me.host, me.start, 60));
  EXPECT_TRUE(is_stale({"elsewhere", 1, me.start - 61}, me.host, me.start, 60));
}

TEST(Claim, RoundTripsAndRejectsMalformedText) {
  const Claim me = own_claim();
  const auto back = claim_from_json(to_json(me));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->host, me.host);
  EXPECT_EQ(back->pid, me.pid);
  EXPECT_EQ(back->start, me.start);
  EXPECT_FALSE(claim_from_json(""));
  EXPECT_FALSE(claim_from_json("{\"host\": 3}"));
}

TEST(Claim, ExclusiveCreateThenReleased) {
  TempDir dir;
  const fs::path path = dir.path / "claim";
  EXPECT_TRUE(try_claim(path, 60).claimed);
  // A second claimant (this process again) finds it live: held by this host and pid.
  const ClaimResult again = try_claim(path, 60);
  EXPECT_FALSE(again.claimed);
  ASSERT_TRUE(again.holder);
  EXPECT_EQ(again.holder->pid, ::getpid());
  release_claim(path);
  EXPECT_FALSE(fs::exists(path));
}

TEST(Claim, LiveClaimsAreRespectedAndStaleOnesTakenOver) {
  TempDir dir;
  const fs::path path = dir.path / "claim";
  const Claim me = own_claim();
  write(path, {"elsewhere", 42, me.start});
  ClaimResult r = try_claim(path, 3600);
  EXPECT_FALSE(r.claimed);
  ASSERT_TRUE(r.holder);
  EXPECT_EQ(r.holder->host, "elsewhere");

  write(path, {"elsewhere", 42, me.start - 7200});
  r = try_claim(path, 3600);
  EXPECT_TRUE(r.claimed);
  EXPECT_TRUE(r.took_over);
  release_claim(path);

  write(path, {me.host, dead_pid(), me.start});
  r = try_claim(path, 3600);
  EXPECT_TRUE(r.claimed);
  EXPECT_TRUE(r.took_over);
  EXPECT_EQ(claim_from_json([&] {
              std::ifstream in(path);
              return std::string(std::istreambuf_iterator<char>(in), {});
            }())->pid,
            ::getpid());
  // Nothing is left beside the claim.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);
}

TEST(Claim, ReleaseLeavesAnotherProcessesClaim) {
  TempDir dir;
  const fs::path path = dir.path / "claim";
  write(path, {"elsewhere", 42, own_claim().start});
  release_claim(path);
  EXPECT_TRUE(fs::exists(path));
}

}  // namespace
}  // namespace poolnet
