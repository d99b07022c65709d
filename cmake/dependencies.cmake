# Every third-party library comes from the system (Debian's -dev packages).
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(TBB REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
list(APPEND CMAKE_MODULE_PATH ${PROJECT_SOURCE_DIR}/cmake)
find_package(LIBXSMM REQUIRED)
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
find_package(Boost 1.74 REQUIRED)  # Boost.Math (header-only): Student's t and binomial distributions of the study statistics
find_package(OpenSSL REQUIRED)  # libcrypto: SHA-256 of data files in study fingerprints
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)  # single-precision FFTs of the spectral pooling ops
