#include "framework/tensor.h"

#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <mutex>
#include <unordered_map>
#include <ostream>
#include <sstream>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/memory.h"
#include "framework/random.h"

namespace poolnet {

namespace {
constexpr size_t kAlignment = 64;
constexpr int64_t kMaxRank = 6;

std::shared_ptr<TensorImpl> make_impl(Shape shape) {
  if (static_cast<int64_t>(shape.size()) > kMaxRank) {
    throw ShapeError(fmt::format("tensor: rank {} exceeds the maximum {} (shape {})", shape.size(),
                                 kMaxRank, shape_str(shape)));
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(numel_of(shape));
  impl->shape = std::move(shape);
  return impl;
}
}  // namespace

int64_t numel_of(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError(fmt::format("tensor: negative dimension in shape {}", shape_str(shape)));
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

namespace {
size_t storage_bytes(int64_t size) {
  const size_t bytes = static_cast<size_t>(size) * sizeof(float);
  return bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

// Freed buffers are kept by size and handed out again: a training step allocates the same
// sizes every time, so the steady state makes no system allocation and takes no page faults.
// Disabled under AddressSanitizer so that use-after-free stays detectable.
class BufferCache {
 public:
  float* acquire(size_t bytes) {
#ifndef __SANITIZE_ADDRESS__
    {
      std::lock_guard lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        float* p = it->second.back();
        it->second.pop_back();
        cached_ -= bytes;
        return p;
      }
    }
#endif
    return allocate_floats(bytes);
  }

  void release(float* p, size_t bytes) {
#ifndef __SANITIZE_ADDRESS__
    std::lock_guard lock(mutex_);
    if (cached_ + bytes <= kMaxCachedBytes) {
      free_[bytes].push_back(p);
      cached_ += bytes;
      return;
    }
#endif
    std::free(p);
  }

 private:
  static constexpr size_t kMaxCachedBytes = size_t{1} << 30;
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<float*>> free_;
  size_t cached_ = 0;
};

BufferCache& buffer_cache() {
  static auto* cache = new BufferCache();  // never destroyed: tensors may outlive static destructors
  return *cache;
}
}  // namespace

Storage::Storage(int64_t size) : data_(buffer_cache().acquire(storage_bytes(size))), size_(size) {}

Storage::~Storage() { buffer_cache().release(data_, storage_bytes(size_)); }

Tensor Tensor::empty(Shape shape) { return Tensor(make_impl(std::move(shape))); }

Tensor Tensor::zeros(Shape shape) { return full(std::move(shape), 0.0f); }

Tensor Tensor::ones(Shape shape) { return full(std::move(shape), 1.0f); }

Tensor Tensor::full(Shape shape, float value) {
  Tensor t = empty(std::move(shape));
  t.fill(value);
  return t;
}

Tensor Tensor::arange(int64_t n) {
  Tensor t = empty({n});
  for (int64_t i = 0; i < n; ++i) t.data()[i] = static_cast<float>(i);
  return t;
}

Tensor Tensor::from_vector(Shape shape, const std::vector<float>& values) {
  Tensor t = empty(std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numel()) {
    throw ShapeError(fmt::format("from_vector: shape {} needs {} values, got {}", shape_str(t.shape()),
                                 t.numel(), values.size()));
  }
  std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  return t;
}

Tensor Tensor::uniform(Shape shape, float low, float high, uint64_t seed) {
  Tensor t = empty(std::move(shape));
  fill_uniform(t.span(), low, high, seed);
  return t;
}

Tensor Tensor::normal(Shape shape, float mean, float stddev, uint64_t seed) {
  Tensor t = empty(std::move(shape));
  fill_normal(t.span(), mean, stddev, seed);
  return t;
}

const Shape& Tensor::shape() const {
  if (!impl_) throw AutogradError("tensor: use of an undefined tensor");
  return impl_->shape;
}

int64_t Tensor::size(int64_t d) const {
  const int64_t rank = dim();
  const int64_t k = d < 0 ? d + rank : d;
  if (k < 0 || k >= rank) {
    throw ShapeError(fmt::format("tensor: dimension {} out of range for shape {}", d, shape_str(shape())));
  }
  return impl_->shape[static_cast<size_t>(k)];
}

int64_t Tensor::numel() const { return numel_of(shape()); }

float* Tensor::data() const {
  if (!impl_) throw AutogradError("tensor: use of an undefined tensor");
  return impl_->storage->data();
}

std::vector<float> Tensor::to_vector() const { return {data(), data() + numel()}; }

float Tensor::item() const {
  if (numel() != 1) {
    throw ShapeError(fmt::format("item: expected a tensor with one element, got shape {}", shape_str(shape())));
  }
  return data()[0];
}

float& Tensor::at(std::initializer_list<int64_t> index) const {
  if (static_cast<int64_t>(index.size()) != dim()) {
    throw ShapeError(fmt::format("at: {} indices for shape {}", index.size(), shape_str(shape())));
  }
  int64_t offset = 0;
  size_t k = 0;
  for (int64_t i : index) {
    const int64_t extent = impl_->shape[k++];
    if (i < 0 || i >= extent) {
      throw ShapeError(fmt::format("at: index {} out of range for shape {}", fmt::join(index, ","),
                                   shape_str(shape())));
    }
    offset = offset * extent + i;
  }
  return data()[offset];
}

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::set_requires_grad(bool on) {
  if (impl_->grad_fn) throw AutogradError("set_requires_grad: only leaf tensors can change requires_grad");
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return impl_ && !impl_->grad_fn; }

Tensor Tensor::grad() const { return impl_ && impl_->grad ? Tensor(impl_->grad) : Tensor(); }

void Tensor::zero_grad() const { impl_->grad.reset(); }

void Tensor::backward() const {
  if (numel() != 1) {
    throw AutogradError(fmt::format("backward: without an upstream gradient the tensor must be a scalar, got shape {}",
                                    shape_str(shape())));
  }
  backward(Tensor::ones(shape()));
}

void Tensor::backward(const Tensor& upstream) const { run_backward(*this, upstream); }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = impl_->shape;
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape());
  std::memcpy(t.data(), data(), static_cast<size_t>(numel()) * sizeof(float));
  return t;
}

void Tensor::copy_from(const Tensor& source) const {
  if (source.numel() != numel()) {
    throw ShapeError(fmt::format("copy_from: source {} and destination {} differ in size",
                                 shape_str(source.shape()), shape_str(shape())));
  }
  std::memmove(data(), source.data(), static_cast<size_t>(numel()) * sizeof(float));
}

void Tensor::fill(float value) const {
  float* p = data();
  const int64_t n = numel();
  for (int64_t i = 0; i < n; ++i) p[i] = value;
}

namespace {
void print_block(std::ostringstream& os, const float* p, const Shape& shape, size_t axis) {
  if (axis == shape.size()) {
    os << fmt::format("{:.6g}", *p);
    return;
  }
  int64_t stride = 1;
  for (size_t k = axis + 1; k < shape.size(); ++k) stride *= shape[k];
  os << '[';
  constexpr int64_t kEdge = 3;
  for (int64_t i = 0; i < shape[axis]; ++i) {
    if (shape[axis] > 2 * kEdge && i == kEdge) {
      os << "..., ";
      i = shape[axis] - kEdge;
    }
    print_block(os, p + i * stride, shape, axis + 1);
    if (i + 1 < shape[axis]) os << (axis + 1 == shape.size() ? ", " : ",\n ");
  }
  os << ']';
}
}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream os;
  os << "tensor(";
  print_block(os, data(), shape(), 0);
  os << ", shape=" << shape_str(shape());
  if (requires_grad()) os << ", requires_grad";
  os << ')';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace poolnet
