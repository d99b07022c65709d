#include "framework/fft.h"

#include <fftw3.h>
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

namespace poolnet::fft {

namespace {

static_assert(sizeof(Complex) == sizeof(fftwf_complex), "std::complex<float> and fftwf_complex share a layout");

struct PlanCache {
  std::mutex mutex;
  std::map<std::tuple<int64_t, int64_t, int>, fftwf_plan> plans;
};

PlanCache& cache() {
  static PlanCache* c = new PlanCache;  // never destroyed: plans live as long as the process
  return *c;
}

fftwf_plan plan_for(int64_t H, int64_t W, Direction direction) {
  const int sign = direction == Direction::kForward ? FFTW_FORWARD : FFTW_BACKWARD;
  PlanCache& c = cache();
  std::lock_guard lock(c.mutex);
  const auto key = std::make_tuple(H, W, sign);
  if (auto it = c.plans.find(key); it != c.plans.end()) return it->second;
  // The arrays only tell the planner the layout and alignment; FFTW_ESTIMATE leaves them untouched.
  auto* in = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * static_cast<size_t>(H * W)));
  auto* out = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * static_cast<size_t>(H * W)));
  fftwf_plan p = fftwf_plan_dft_2d(static_cast<int>(H), static_cast<int>(W), in, out, sign, FFTW_ESTIMATE);
  fftwf_free(in);
  fftwf_free(out);
  if (p == nullptr) throw std::runtime_error(fmt::format("fft: FFTW could not plan a {}x{} transform", H, W));
  c.plans.emplace(key, p);
  return p;
}

}  // namespace

void transform2d(const Complex* in, Complex* out, int64_t H, int64_t W, Direction direction) {
  auto* in_f = reinterpret_cast<float*>(const_cast<Complex*>(in));
  auto* out_f = reinterpret_cast<float*>(out);
  if (fftwf_alignment_of(in_f) != 0 || fftwf_alignment_of(out_f) != 0) {  // the plans' SIMD alignment
    throw std::invalid_argument(fmt::format("fft: {}x{} planes must be SIMD-aligned (scratch_plane)", H, W));
  }
  fftwf_plan p = plan_for(H, W, direction);
  // Out-of-place complex transforms leave their input intact (FFTW's default, FFTW_PRESERVE_INPUT).
  fftwf_execute_dft(p, reinterpret_cast<fftwf_complex*>(in_f), reinterpret_cast<fftwf_complex*>(out_f));
}

Complex* scratch_plane(int slot, int64_t n) {
  thread_local ScratchBuffer buffers[4];
  return reinterpret_cast<Complex*>(buffers[slot].get(2 * n));
}

}  // namespace poolnet::fft
