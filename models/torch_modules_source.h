// The text of models/torch_modules.py, embedded at build time (models/CMakeLists.txt).
#pragma once

namespace poolnet {

extern const char* const kTorchModulesSource;

}  // namespace poolnet
