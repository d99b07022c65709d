// SIGINT and SIGTERM during `train` or `ablate`: the current step finishes, a checkpoint is
// written, and the command exits with status 130 saying how to resume. A second signal
// terminates at once.
#pragma once

#include <stdexcept>

namespace poolnet {

// Installs the handlers (idempotent).
void install_interrupt_handlers();
// True once SIGINT or SIGTERM has arrived.
bool interrupt_requested();

// Thrown by the trainer after it has checkpointed in response to a signal.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace poolnet
