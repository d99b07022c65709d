// Run claims: before a process trains a study run it creates runs/<id>/claim with an atomic
// exclusive create (open with O_CREAT|O_EXCL; no flock, so it works on NFS and across Slurm
// nodes). The file holds the claimant's host, pid and start time. Whoever holds the claim
// trains the run and removes the claim when the run is complete or has failed.
//
// A claim is stale when its process is gone: on this host, kill(pid, 0) says no such process;
// from another host, it is older than the claim timeout. A stale claim is taken over: renamed
// aside (rename is atomic, so of several processes taking it over one wins), checked to be the
// claim that was judged stale, and replaced by an exclusive create of the new claim.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace poolnet {

struct Claim {
  std::string host;
  int64_t pid = 0;
  int64_t start = 0;  // seconds since the epoch
};

// This process's claim (host from gethostname, getpid, now).
Claim own_claim();
std::string to_json(const Claim& claim);
std::optional<Claim> claim_from_json(const std::string& text);  // nullopt when malformed

// Whether `claim` belongs to a process that is gone (see above). `now` in seconds.
bool is_stale(const Claim& claim, const std::string& this_host, int64_t now, int64_t timeout_seconds);

struct ClaimResult {
  bool claimed = false;
  std::optional<Claim> holder;  // who holds it when not claimed (nullopt: unreadable)
  bool took_over = false;       // claimed by replacing a stale claim
};

// Tries to claim the run whose claim file is `path`, taking over a stale claim.
ClaimResult try_claim(const std::filesystem::path& path, int64_t timeout_seconds);
// Removes the claim if it is still this process's.
void release_claim(const std::filesystem::path& path);

}  // namespace poolnet
