# Flags every poolnet target shares.
add_library(poolnet_options INTERFACE)
target_compile_options(poolnet_options INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter
                       $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
if(CMAKE_BUILD_TYPE STREQUAL "Release" OR CMAKE_BUILD_TYPE STREQUAL "RelWithDebInfo")
  target_compile_options(poolnet_options INTERFACE -O3)
endif()
if(POOLNET_NATIVE)
  target_compile_options(poolnet_options INTERFACE -march=native)
endif()
install(TARGETS poolnet_options EXPORT poolnetTargets)
