// Tensor: float32, contiguous, row-major (NCHW for images), rank 0 to 6, with shared storage
// aligned to 64 bytes. A Tensor is a cheap handle: copies share data and autograd state.
// reshape() and detach() share storage; clone() copies. Eigen views live in eigen_view.h.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace poolnet {

using Shape = std::vector<int64_t>;

int64_t numel_of(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[8,16,2,2]"

// A 64-byte-aligned float buffer.
class Storage {
 public:
  explicit Storage(int64_t size);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  float* data() const { return data_; }
  int64_t size() const { return size_; }

 private:
  float* data_;
  int64_t size_;
};

struct Node;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  bool requires_grad = false;
  bool graph_released = false;         // set once backward() has consumed the graph above it
  std::shared_ptr<TensorImpl> grad;    // same shape, never requires grad
  std::shared_ptr<Node> grad_fn;       // the op that produced this tensor (null for leaves)
};

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Factories. Random factories are counter-based (Philox): element i depends only on
  // (seed, i), never on the thread count or on what was drawn before.
  static Tensor empty(Shape shape);
  static Tensor zeros(Shape shape);
  static Tensor ones(Shape shape);
  static Tensor full(Shape shape, float value);
  static Tensor arange(int64_t n);  // [0, 1, ..., n-1]
  static Tensor from_vector(Shape shape, const std::vector<float>& values);
  static Tensor uniform(Shape shape, float low, float high, uint64_t seed);
  static Tensor normal(Shape shape, float mean, float stddev, uint64_t seed);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const;

  // The data. A handle's constness does not extend to its elements (as with std::span).
  float* data() const;
  std::span<float> span() const { return {data(), static_cast<size_t>(numel())}; }
  std::vector<float> to_vector() const;
  float item() const;  // exactly one element
  float& at(std::initializer_list<int64_t> index) const;  // bounds-checked, for tests

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward pass reaches this leaf
  void zero_grad() const;
  // Back-propagates from this scalar (or with an explicit upstream gradient of this shape).
  // Leaf gradients accumulate across calls; the graph above this tensor is released, so a
  // second backward() through the same graph throws AutogradError.
  void backward() const;
  void backward(const Tensor& upstream) const;

  Tensor detach() const;  // shares data, no autograd history
  Tensor clone() const;   // copies data, no autograd history
  void copy_from(const Tensor& source) const;  // same numel; data only, no autograd
  void fill(float value) const;

  std::string to_string() const;
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace poolnet
