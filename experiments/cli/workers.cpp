#include "experiments/cli/workers.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "experiments/train/interrupt.h"
#include "framework/errors.h"
#include "framework/parallel.h"

extern char** environ;

namespace poolnet::cli {

namespace {
extern "C" void on_thread_count(int, siginfo_t* info, void*) { parallel::request_num_threads(info->si_value.sival_int); }

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"/proc/self/exe"};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: the terminal's Ctrl-C reaches the parent only
  // SIGUSR1 stays blocked until the worker can take it (accept_thread_counts), so a thread
  // count sent early waits instead of killing it.
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  sigaddset(&mask, SIGUSR1);
  posix_spawnattr_setsigmask(&attr, &mask);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (error != 0) throw IoError(fmt::format("--jobs: cannot start a worker process: {}", std::strerror(error)));
  return pid;
}
}  // namespace

void accept_thread_counts() {
  struct sigaction action {};
  action.sa_sigaction = on_thread_count;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGUSR1, &action, nullptr);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr);
}

std::vector<WorkerExit> run_workers(const std::vector<std::vector<std::string>>& workers, int threads) {
  std::vector<pid_t> pids;
  try {
    for (const auto& args : workers) pids.push_back(spawn(args));
  } catch (...) {
    for (pid_t pid : pids) ::kill(pid, SIGINT);
    for (pid_t pid : pids) ::waitpid(pid, nullptr, 0);
    throw;
  }
  std::vector<WorkerExit> failed;
  size_t running = pids.size();
  bool forwarded = false;
  while (running > 0) {
    if (interrupt_requested() && !forwarded) {
      for (pid_t pid : pids) {
        if (pid > 0) ::kill(pid, SIGINT);
      }
      forwarded = true;
    }
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done <= 0) {
      if (done < 0 && errno != EINTR) break;  // no children left
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    for (size_t i = 0; i < pids.size(); ++i) {
      if (pids[i] != done) continue;
      pids[i] = -1;
      --running;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (code != 0) failed.push_back({static_cast<int>(i) + 1, code});
    }
    // The workers left share the threads of those that have finished.
    if (running == 0 || forwarded) continue;
    const sigval share{.sival_int = std::max(1, threads / static_cast<int>(running))};
    for (pid_t pid : pids) {
      if (pid > 0) ::sigqueue(pid, SIGUSR1, share);
    }
  }
  return failed;
}

}  // namespace poolnet::cli
