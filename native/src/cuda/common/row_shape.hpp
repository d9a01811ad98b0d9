// Launch shapes of the kernels that quantize one row per block with the row held in registers
// (16-byte chunks; the per-token activation quantization and LLM.int8()'s speculative pass).
#pragma once

#include <cstdint>
#include <type_traits>

namespace octet::cuda {

constexpr int64_t kResidentMaxCols = 16384;  // the longest row held (256 threads x 8 chunks of 8)

// Calls f(threads, chunks) (std::integral_constant<int, ...> each) for rows of `cols` <=
// kResidentMaxCols columns, measured on an H100 (docs/perf-notes.md, tenth session). Up to 1024
// columns 64 threads x 2 chunks. Few rows (one wave of 512-thread blocks): 512 threads per row.
// Else up to 4096 columns 2 chunks per thread while the rows' threads fit on the GPU at once, 4
// past that (fewer threads per row, more values each: less per-row work per value); longer rows
// 4 or 8 chunks (kNoEight: 512 x 4 instead of 256 x 8, for kernels that would spill). Against
// the one shape per length range before (256 x 2 chunks to 4096 columns, then a persistent grid
// loading its next row): K = 4096 M = 4096 22.4 -> 20.5 us, K = 11008 M = 2048 37.0 -> 28.5,
// K = 14336 M = 4096 79.1 -> 64.3.
template <bool kNoEight, class F>
void with_resident_row_shape(int64_t rows, int64_t cols, int64_t sm_count, F&& f) {
  using T64 = std::integral_constant<int, 64>;
  using T128 = std::integral_constant<int, 128>;
  using T256 = std::integral_constant<int, 256>;
  using T512 = std::integral_constant<int, 512>;
  using I2 = std::integral_constant<int, 2>;
  using I4 = std::integral_constant<int, 4>;
  using I8 = std::integral_constant<int, 8>;
  const int64_t gpu_threads = sm_count * 2048;  // resident threads on sm_80/90
  if (cols <= 1024) return f(T64{}, I2{});
  if (rows <= 2 * sm_count) return f(T512{}, I4{});
  if (cols <= 2048) return rows * 128 <= gpu_threads ? f(T128{}, I2{}) : f(T64{}, I4{});
  if (cols <= 4096) return rows * 256 <= gpu_threads ? f(T256{}, I2{}) : f(T128{}, I4{});
  if (cols <= 8192) return f(T256{}, I4{});
  if constexpr (kNoEight)
    return f(T512{}, I4{});
  else
    return f(T256{}, I8{});
}

}  // namespace octet::cuda
