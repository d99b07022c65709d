// `ablate --jobs N`: the study's runs trained by N processes at once. Each worker is this
// program run again with the same arguments plus its own (`--jobs 1 --threads T --worker I`);
// the workers share the study folder through its run claims (experiments/study/claim.h), so
// each takes the next run nobody holds. A worker started in its own process group gets the
// interrupt only from its parent: Ctrl-C (or SIGTERM) on the parent is forwarded once, and
// every worker checkpoints its run and stops as a single process would. When a worker exits,
// the others share its threads (SIGUSR1 with the new count, applied between parallel regions;
// results do not depend on the thread count).
#pragma once

#include <string>
#include <vector>

namespace poolnet::cli {

struct WorkerExit {
  int index = 0;   // 1 .. N
  int status = 0;  // exit status, or 128 + signal for a worker killed by a signal
};

// Runs this program once per element of `workers` (its arguments, without the program name), all
// at once, sharing `threads` threads, and waits for every one; returns the workers that did not
// exit with status 0.
std::vector<WorkerExit> run_workers(const std::vector<std::vector<std::string>>& workers, int threads);

// In a worker: take the thread counts the parent sends from now on.
void accept_thread_counts();

}  // namespace poolnet::cli
