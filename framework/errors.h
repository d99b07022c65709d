// Typed exceptions thrown by library code. Messages start with the op or component, then say
// what was expected and what was received. Only the command line turns them into exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace poolnet {

// A tensor shape or op argument that does not fit (exit status 2 at the command line).
struct ShapeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A bad option, flag, spec string or config file (exit status 2).
struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A data file that is missing, truncated or corrupt (exit status 1).
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file that cannot be read or written (exit status 1).
struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Misuse of the autograd tape, e.g. backward() through a released graph (exit status 1).
struct AutogradError : std::logic_error {
  using std::logic_error::logic_error;
};

// A NaN or infinite value where a finite one is required (exit status 1).
struct NumericalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace poolnet
