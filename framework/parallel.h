// The only code that talks to oneTBB (in parallel.cpp: parallel_for hands its chunk loop to
// detail::run_chunks through a function pointer, so no other file includes oneTBB's headers).
// Work is always cut into chunks whose boundaries depend on the problem size alone, never on
// the number of threads, and reductions add per-chunk partial results in chunk order: a result
// is bitwise identical at any thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace poolnet::parallel {

namespace detail {
// Runs chunk(context, c0, c1) over [0, chunks) on oneTBB's workers, each chunk exactly once.
using ChunkFn = void (*)(const void* context, int64_t c0, int64_t c1);
void run_chunks(int64_t chunks, ChunkFn chunk, const void* context);
}  // namespace detail

// Sets the number of worker threads for the whole process (n <= 0: all cores).
void set_num_threads(int n);
// The same, later: the next parallel_for called outside any parallel region applies it. Safe in
// a signal handler (a process of `ablate --jobs` takes the cores another one has left).
void request_num_threads(int n);
int num_threads();

// Number of chunks of size `chunk` (the last may be shorter) covering [0, n).
inline int64_t chunk_count(int64_t n, int64_t chunk) { return chunk <= 0 ? 1 : (n + chunk - 1) / chunk; }

// Calls body(begin, end) over [begin, end) cut into chunks of `grain` elements (the last may
// be shorter); chunks run in parallel, each exactly once. The body must only write what its
// own range owns.
template <class Body>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Body& body) {
  if (end <= begin) return;
  if (grain < 1) grain = 1;
  const int64_t chunks = chunk_count(end - begin, grain);
  if (chunks == 1 || num_threads() == 1) {
    for (int64_t c = 0; c < chunks; ++c) body(begin + c * grain, std::min(end, begin + (c + 1) * grain));
    return;
  }
  const auto run = [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) body(begin + c * grain, std::min(end, begin + (c + 1) * grain));
  };
  detail::run_chunks(
      chunks, [](const void* context, int64_t c0, int64_t c1) { (*static_cast<const decltype(run)*>(context))(c0, c1); },
      &run);
}

// Deterministic reduction of fixed-size chunks: partial(chunk_index, begin, end) -> T runs in
// parallel; the partials are then combined left to right with combine(acc, partial).
template <class T, class Partial, class Combine>
T deterministic_reduce(int64_t n, int64_t chunk, T init, const Partial& partial, const Combine& combine) {
  const int64_t chunks = chunk_count(n, chunk);
  std::vector<T> partials(static_cast<size_t>(chunks), init);
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) partials[c] = partial(c, c * chunk, std::min(n, (c + 1) * chunk));
  });
  T acc = init;
  for (T& p : partials) acc = combine(std::move(acc), std::move(p));
  return acc;
}

}  // namespace poolnet::parallel
