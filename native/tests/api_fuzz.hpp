// The C ABI fuzz test's body, run on the CPU backend (test_api_fuzz_cpu) and on CUDA
// (test_api_fuzz_cuda).
//
// Random calls of the C ABI's compute functions on one backend, with arguments drawn from a
// mix of well-formed operands (shapes and dtypes the call accepts; whole tensors or views at odd
// offsets, sometimes outliving their base) and ill-formed ones (another dtype or rank, a wrong
// extent, a tensor of another context, NULL, bad scalars: NaN, zero or negative thresholds,
// group sizes and histogram ranges, enum values out of range). Every call must return a status
// of the enum, with a message when it is not SUCCESS (never crash; scripts/test.sh also runs it
// under AddressSanitizer and UBSan on the CPU backend, which catch reads and writes past a
// tensor and undefined behaviour); a call whose arguments were all drawn well-formed must succeed. Each function must
// have succeeded at least once (the fuzzer is not only exercising the rejections).
// oct_tensor_view gets an exact oracle (success exactly for ranks 1..4, extents >= 1 and offset
// + numel within the base, huge values included), and so do the host copies (nbytes, NULLs, a
// stream of another context). Deterministic (fixed seed): 12 calls per round.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "harness.hpp"

namespace api_fuzz {

using harness::Tensor;

constexpr oct_dtype_t kDtypes[] = {OCT_DTYPE_INT8, OCT_DTYPE_INT32, OCT_DTYPE_FP16, OCT_DTYPE_BF16,
                                   OCT_DTYPE_FP32};

struct Fuzzer {
  oct_context_t ctx, other;  // `other`: a second context of the backend, whose tensors do not mix
  std::mt19937_64 rng{20261127};
  std::vector<std::unique_ptr<Tensor>> keep;  // the call's tensors, freed after it
  bool well_formed = true;                    // every argument drawn so far was a good one
  int calls = 0, ok = 0, rejected = 0;
  std::map<std::string, int> successes;
  bool last_ok = false;  // whether the last call succeeded
  oct_tensor_t fence = nullptr;  // CUDA: a 4-byte tensor read back after every call

  int pick(int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }
  int64_t extent() {
    static const int64_t e[] = {1, 2, 3, 5, 8, 16, 17, 31, 64, 65, 128};
    return e[pick(11)];
  }

  // A tensor of this dtype and shape; sometimes (`views`) a view of a larger one at an odd offset.
  oct_tensor_t make(oct_dtype_t d, std::vector<int64_t> shape, bool may_view = true) {
    int64_t numel = 1;
    for (int64_t s : shape) numel *= s;
    if (may_view && chance(25)) {
      const int64_t offset = pick(9);
      keep.push_back(std::make_unique<Tensor>(ctx, d, std::vector<int64_t>{numel + offset}));
      keep.back()->poison();
      oct_tensor_t v = nullptr;
      OCT(oct_tensor_view(keep.back()->t, static_cast<int32_t>(shape.size()), shape.data(), offset, &v));
      views.push_back(v);
      if (chance(50)) keep.pop_back();  // the view alone keeps the memory alive (ASan would see)
      return v;
    }
    keep.push_back(std::make_unique<Tensor>(ctx, d, shape));
    keep.back()->poison();
    return keep.back()->t;
  }
  std::vector<oct_tensor_t> views;

  // The operand the call wants (dtype one of `ok_dtypes`, this shape), or, with probability
  // `bad` percent, something else: NULL (where `nullable` it still counts as well-formed),
  // another dtype, another rank, or one extent changed.
  // `aligned`: a whole tensor (a view may start anywhere).
  oct_tensor_t operand(std::initializer_list<oct_dtype_t> ok_dtypes, std::vector<int64_t> shape,
                       int bad = 8, bool nullable = false, bool aligned = false) {
    const oct_dtype_t good = *(ok_dtypes.begin() + pick(static_cast<int>(ok_dtypes.size())));
    if (!chance(bad)) return make(good, shape, !aligned);
    switch (pick(5)) {
      case 4:  // a tensor of another context
        well_formed = false;
        keep.push_back(std::make_unique<Tensor>(other, good, shape));
        return keep.back()->t;
      case 0:
        if (!nullable) well_formed = false;
        return nullptr;
      case 1: {
        const oct_dtype_t d = kDtypes[pick(5)];
        bool listed = false;
        for (oct_dtype_t o : ok_dtypes) listed |= o == d;
        if (!listed) well_formed = false;
        return make(d, shape);
      }
      case 2: {
        std::vector<int64_t> s = shape;
        if (s.size() < OCT_MAX_RANK && chance(50)) s.insert(s.begin(), 1 + pick(2));
        else if (s.size() > 1) s.pop_back();
        if (s != shape) well_formed = false;  // a leading 1 may be accepted; counted as bad
        return make(good, s);
      }
      default: {
        std::vector<int64_t> s = shape;
        const size_t i = static_cast<size_t>(pick(static_cast<int>(s.size())));
        s[i] = extent();
        if (s != shape) well_formed = false;
        return make(good, s);
      }
    }
  }

  static bool aligned16(oct_tensor_t t) {
    oct_tensor_desc_t d;
    return t == nullptr || (oct_tensor_describe(t, &d) == OCT_STATUS_SUCCESS &&
                            reinterpret_cast<uintptr_t>(d.data) % 16 == 0);
  }

  void run(const char* name, const std::function<oct_status_t()>& call) {
    const oct_status_t s = call();
    ++calls;
    CHECK(s >= OCT_STATUS_SUCCESS && s <= OCT_STATUS_INTERNAL);
    CHECK(s != OCT_STATUS_INTERNAL);
    if (s == OCT_STATUS_SUCCESS) {
      ++ok;
    } else {
      ++rejected;
      const char* msg = oct_last_error_message();
      CHECK(msg != nullptr && std::strlen(msg) > 0);
    }
    if (well_formed && s != OCT_STATUS_SUCCESS) {
      std::fprintf(stderr, "%s: well-formed call rejected: %s: %s\n", name, oct_status_string(s),
                   oct_last_error_message());
      ++harness::failures;
    }
    successes[name] += s == OCT_STATUS_SUCCESS;
    last_ok = s == OCT_STATUS_SUCCESS;
    if (fence != nullptr) {
      // CUDA: wait for the context's default stream, where the call enqueued its work, before
      // its tensors are freed (octet.h's rule); a kernel fault surfaces here, named
      float v = 0;
      const oct_status_t w = oct_tensor_copy_to_host(fence, &v, 4, nullptr);
      if (w != OCT_STATUS_SUCCESS) {
        std::fprintf(stderr, "%s: the stream failed after the call: %s\n", name, oct_last_error_message());
        ++harness::failures;
      }
    }
    for (oct_tensor_t v : views) oct_tensor_destroy(v);
    views.clear();
    keep.clear();
    well_formed = true;
  }
};

// `rounds` rounds of 12 calls on `backend` (device 0), a second context of the same backend for
// the foreign operands; returns the test's exit code.
inline int run_api_fuzz(const char* name, oct_backend_t backend, int rounds) {
  oct_context_t ctx = nullptr;
  OCT(oct_context_create(backend, 0, &ctx));
  oct_context_t other = nullptr;
  OCT(oct_context_create(backend, 0, &other));
  Fuzzer f{ctx, other};
  Tensor fence(ctx, OCT_DTYPE_FP32, {1});
  if (backend == OCT_BACKEND_CUDA) f.fence = fence.t;
  oct_stream_t stream = nullptr, other_stream = nullptr;
  OCT(oct_stream_create(ctx, &stream));
  OCT(oct_stream_create(other, &other_stream));
  for (int round = 0; round < rounds; ++round) {
    const int64_t m = f.extent(), n = f.extent(), k = f.extent() * (f.chance(70) ? 16 : 1);
    const oct_dtype_t act = f.chance(50) ? OCT_DTYPE_FP16 : OCT_DTYPE_BF16;

    // weight quantization: per channel or per group (group divides K)
    {
      int64_t g = f.chance(50) ? 0 : (k % 16 == 0 ? 16 : k);
      if (f.chance(8)) { g = f.chance(50) ? -16 : k + 1; f.well_formed = false; }
      const int64_t groups = g <= 0 || g > k ? 1 : k / g;
      oct_tensor_t w = f.operand({OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16}, {n, k});
      oct_tensor_t q = f.operand({OCT_DTYPE_INT8}, {n, k});
      oct_tensor_t s = f.operand({OCT_DTYPE_FP32}, groups == 1 ? std::vector<int64_t>{n} : std::vector<int64_t>{n, groups});
      f.run("oct_quantize_weight", [&] { return oct_quantize_weight(w, g, q, s, nullptr); });
    }
    {
      oct_tensor_t q = f.operand({OCT_DTYPE_INT8}, {n, k});
      oct_tensor_t s = f.operand({OCT_DTYPE_FP32}, {n});
      oct_tensor_t o = f.operand({OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16}, {n, k});
      f.run("oct_dequantize_weight", [&] { return oct_dequantize_weight(q, s, o, nullptr); });
    }
    {
      int scheme = f.pick(3);
      if (f.chance(5)) { scheme = f.chance(50) ? 3 : -1; f.well_formed = false; }
      oct_tensor_t x = f.operand({OCT_DTYPE_FP16, OCT_DTYPE_BF16}, {m, k});
      oct_tensor_t sm = f.chance(30) ? f.operand({OCT_DTYPE_FP32}, {k}) : nullptr;
      oct_tensor_t xq = f.operand({OCT_DTYPE_INT8}, {m, k});
      oct_tensor_t sc = f.operand({OCT_DTYPE_FP32}, {scheme == OCT_ACT_DYNAMIC_PER_TOKEN ? m : 1});
      if (scheme == OCT_ACT_STATIC_PER_TENSOR && sc != nullptr) {
        // a positive finite scale unless the fuzzer says otherwise
        const float v = f.chance(90) ? 0.05f : (f.chance(50) ? -1.0f : NAN);
        if (!(v > 0)) f.well_formed = false;
        oct_tensor_desc_t d;
        OCT(oct_tensor_describe(sc, &d));
        if (d.dtype == OCT_DTYPE_FP32) {
          std::vector<float> h(static_cast<size_t>(d.numel), v);
          OCT(oct_tensor_copy_from_host(sc, h.data(), d.nbytes, nullptr));
        }
      }
      f.run("oct_quantize_activations", [&] {
        return oct_quantize_activations(x, static_cast<oct_act_scheme_t>(scheme), sm, xq, sc, nullptr);
      });
    }
    {
      const bool group = f.chance(30) && k % 64 == 0;
      oct_tensor_t x = f.operand({act}, {m, k});
      oct_tensor_t q = f.operand({OCT_DTYPE_INT8}, {n, k});
      oct_tensor_t s = f.operand({OCT_DTYPE_FP32}, group ? std::vector<int64_t>{n, k / 64} : std::vector<int64_t>{n});
      oct_tensor_t b = f.chance(50) ? f.operand({act}, {n}, 8, true) : nullptr;
      oct_tensor_t o = f.operand({act}, {m, n});
      // MISALIGNED, documented: K % 16 != 0, or x or q off 16 bytes (a view)
      if (k % 16 != 0 || !f.aligned16(x) || !f.aligned16(q)) f.well_formed = false;
      f.run("oct_gemm_w8a16", [&] { return oct_gemm_w8a16(x, q, s, b, o, nullptr); });
    }
    {
      const std::vector<int64_t> shape = f.chance(50) ? std::vector<int64_t>{m, k} : std::vector<int64_t>{k};
      const int64_t rows = shape.size() == 2 ? m : 1, cols = k;
      int reduce = f.pick(3);
      const bool reduce_ok = !f.chance(5);
      if (!reduce_ok) reduce = 9;
      const int64_t len = reduce == OCT_REDUCE_ALL ? 1 : reduce == OCT_REDUCE_ROWS ? rows : cols;
      f.well_formed = reduce_ok;
      oct_tensor_t x = f.operand({OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16}, shape);
      oct_tensor_t o = f.operand({OCT_DTYPE_FP32}, {len});
      f.run("oct_tensor_absmax", [&] { return oct_tensor_absmax(x, static_cast<oct_reduce_t>(reduce), o, nullptr); });
      f.well_formed = reduce_ok;
      x = f.operand({OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16}, shape);
      o = f.operand({OCT_DTYPE_FP32}, {len, 2});
      f.run("oct_tensor_minmax", [&] { return oct_tensor_minmax(x, static_cast<oct_reduce_t>(reduce), o, nullptr); });
      float lo = 0.0f, hi = f.chance(50) ? 8.0f : 3.7f;
      if (f.chance(8)) { lo = f.chance(50) ? NAN : hi; f.well_formed = false; }
      const int64_t bins = f.chance(95) ? f.extent() : (f.chance(50) ? OCT_HISTOGRAM_MAX_BINS + 1 : 0);
      x = f.operand({OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16}, shape);
      oct_tensor_t c = bins >= 1 ? f.operand({OCT_DTYPE_INT32}, {bins}) : nullptr;
      if (bins < 1 || bins > OCT_HISTOGRAM_MAX_BINS) f.well_formed = false;
      f.run("oct_tensor_histogram", [&] { return oct_tensor_histogram(x, lo, hi, f.pick(2), c, nullptr); });
    }
    {
      const bool raw = f.chance(20);
      oct_tensor_t a = f.operand({OCT_DTYPE_INT8}, {m, k});
      oct_tensor_t b = f.operand({OCT_DTYPE_INT8}, {n, k});
      oct_tensor_t as = raw ? nullptr : f.operand({OCT_DTYPE_FP32}, {f.chance(50) ? m : 1});
      oct_tensor_t bs = raw ? nullptr : f.operand({OCT_DTYPE_FP32}, {f.chance(50) ? n : 1});
      oct_tensor_t o = f.operand(raw ? std::initializer_list<oct_dtype_t>{OCT_DTYPE_INT32} : std::initializer_list<oct_dtype_t>{act}, {m, n});
      oct_tensor_desc_t od;
      const oct_dtype_t out_dtype = o != nullptr && oct_tensor_describe(o, &od) == OCT_STATUS_SUCCESS ? od.dtype : act;
      oct_tensor_t bias = !raw && f.chance(50) ? f.operand({out_dtype}, {n}, 8, true) : nullptr;
      f.run("oct_gemm_s8", [&] { return oct_gemm_s8(a, b, as, bs, bias, o, nullptr); });
    }
    {
      float threshold = f.chance(90) ? 1.5f : (f.chance(50) ? 0.0f : NAN);
      if (!(threshold > 0)) f.well_formed = false;
      oct_tensor_t x = f.operand({act}, {m, k});
      oct_tensor_t q = f.operand({OCT_DTYPE_INT8}, {n, k});
      oct_tensor_t s = f.operand({OCT_DTYPE_FP32}, {n});
      oct_tensor_t b = f.chance(50) ? f.operand({act}, {n}, 8, true) : nullptr;
      int64_t ws_bytes = 0;
      OCT(oct_llm_int8_workspace_size(m, n, k, &ws_bytes));
      if (f.chance(8)) { ws_bytes -= 1 + f.pick(64); f.well_formed = false; }
      oct_tensor_t ws = ws_bytes >= 1 ? f.operand({OCT_DTYPE_INT8}, {ws_bytes}, 0, false, true) : nullptr;
      if (ws == nullptr) f.well_formed = false;
      oct_tensor_t o = f.operand({act}, {m, n});
      oct_tensor_t cnt = f.chance(50) ? f.operand({OCT_DTYPE_INT32}, {1}, 8, true) : nullptr;
      f.run("oct_linear_llm_int8", [&] { return oct_linear_llm_int8(x, threshold, q, s, b, ws, o, cnt, nullptr); });
    }

    // host copies, with their exact rule as the oracle: a tensor, a host pointer, nbytes equal to
    // the tensor's, and a stream of the tensor's context (or NULL)
    {
      const int64_t numel = f.extent() * f.extent();
      Tensor t(ctx, kDtypes[f.pick(5)], {numel});
      const int64_t nbytes = t.nbytes();
      std::vector<uint8_t> host(static_cast<size_t>(nbytes) + 8, 0x5A);
      const int64_t wild[] = {nbytes, nbytes, nbytes, nbytes - 1, nbytes + 1, 0, -1, INT64_MAX};
      const int64_t n = wild[f.pick(8)];
      const bool null_tensor = f.chance(5), null_host = f.chance(5);
      const int which = f.pick(3);  // stream: NULL, ctx's, the other context's
      oct_stream_t st = which == 0 ? nullptr : which == 1 ? stream : other_stream;
      const bool valid = n == nbytes && !null_tensor && !null_host && which != 2;
      f.well_formed = valid;
      f.run("oct_tensor_copy_from_host", [&] {
        return oct_tensor_copy_from_host(null_tensor ? nullptr : t.t, null_host ? nullptr : host.data(), n, st);
      });
      CHECK(f.last_ok == valid);
      f.well_formed = valid;
      f.run("oct_tensor_copy_to_host", [&] {
        return oct_tensor_copy_to_host(null_tensor ? nullptr : t.t, null_host ? nullptr : host.data(), n, st);
      });
      CHECK(f.last_ok == valid);
      CHECK(host[static_cast<size_t>(nbytes)] == 0x5A);  // nothing written past nbytes
    }

    // oct_tensor_view, with its exact rule as the oracle
    {
      static const int64_t wild[] = {0, -1, 1, 2, 3, 7, 64, INT64_MAX, INT64_MIN, INT64_MAX / 2 + 1,
                                     int64_t(1) << 32};
      const int64_t base_n = f.extent() * f.extent();
      Tensor base(ctx, kDtypes[f.pick(5)], {base_n});
      const int32_t rank = f.chance(90) ? 1 + f.pick(OCT_MAX_RANK) : (f.chance(50) ? 0 : OCT_MAX_RANK + 1);
      int64_t shape[OCT_MAX_RANK + 1];
      for (int i = 0; i <= OCT_MAX_RANK; ++i) shape[i] = f.chance(85) ? 1 + f.pick(4) : wild[f.pick(11)];
      const int64_t offset = f.chance(70) ? f.pick(static_cast<int>(base_n) + 2) : wild[f.pick(11)];
      bool valid = rank >= 1 && rank <= OCT_MAX_RANK && offset >= 0;
      __int128 numel = 1;
      for (int i = 0; valid && i < rank; ++i) {
        valid = shape[i] >= 1;
        numel *= shape[i];
        if (numel > base_n) valid = false;
      }
      valid = valid && numel + offset <= base_n;
      oct_tensor_t v = nullptr;
      f.well_formed = valid;
      f.run("oct_tensor_view", [&] { return oct_tensor_view(base.t, rank, shape, offset, &v); });
      CHECK((v != nullptr) == valid);
      if (v != nullptr) {
        oct_tensor_desc_t d;
        OCT(oct_tensor_describe(v, &d));
        CHECK(d.numel == static_cast<int64_t>(numel) && d.rank == rank);
        oct_tensor_destroy(v);
      }
    }
  }
  std::printf("%s: %d calls, %d succeeded, %d rejected\n", name, f.calls, f.ok, f.rejected);
  for (const char* fn : {"oct_quantize_weight", "oct_dequantize_weight", "oct_quantize_activations",
                         "oct_gemm_w8a16", "oct_tensor_absmax", "oct_tensor_minmax",
                         "oct_tensor_histogram", "oct_gemm_s8", "oct_linear_llm_int8",
                         "oct_tensor_view", "oct_tensor_copy_from_host",
                         "oct_tensor_copy_to_host"}) {
    std::printf("  %-26s %5d successes\n", fn, f.successes[fn]);
    CHECK(f.successes[fn] > 0);
  }
  OCT(oct_stream_destroy(stream));
  OCT(oct_stream_destroy(other_stream));
  OCT(oct_context_destroy(other));
  OCT(oct_context_destroy(ctx));
  return harness::finish(name);
}

}  // namespace api_fuzz
