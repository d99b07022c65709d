# Finds LIBXSMM (Debian's libxsmm-dev: static libraries, JIT-generated small-matrix kernels) and
# defines the imported target LIBXSMM::LIBXSMM. Its BLAS fallback is satisfied by libxsmmnoblas:
# poolnet only calls JIT kernels, never BLAS.
find_path(LIBXSMM_INCLUDE_DIR libxsmm.h)
find_library(LIBXSMM_LIBRARY NAMES xsmm)
find_library(LIBXSMM_NOBLAS_LIBRARY NAMES xsmmnoblas)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LIBXSMM REQUIRED_VARS LIBXSMM_LIBRARY LIBXSMM_NOBLAS_LIBRARY LIBXSMM_INCLUDE_DIR)
if(LIBXSMM_FOUND AND NOT TARGET LIBXSMM::LIBXSMM)
  find_package(Threads REQUIRED)
  add_library(LIBXSMM::LIBXSMM UNKNOWN IMPORTED)
  set_target_properties(LIBXSMM::LIBXSMM PROPERTIES
    IMPORTED_LOCATION "${LIBXSMM_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBXSMM_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${LIBXSMM_NOBLAS_LIBRARY};Threads::Threads;${CMAKE_DL_LIBS};m;rt")
endif()
