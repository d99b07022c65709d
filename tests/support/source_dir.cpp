#include "tests/support/source_dir.h"

namespace poolnet::testing {

const std::string& source_dir() {
  static const std::string dir = POOLNET_SOURCE_DIR;
  return dir;
}

}  // namespace poolnet::testing
