// The source tree's root, for tests that read checked-in files (tests/golden/, README.md,
// models/torch_modules.py) wherever they run from. Only source_dir.cpp is compiled with the
// path, so no other test object depends on where the tree is checked out, and a fresh clone
// elsewhere reuses them from ccache.
#pragma once

#include <string>

namespace poolnet::testing {

const std::string& source_dir();

}  // namespace poolnet::testing
