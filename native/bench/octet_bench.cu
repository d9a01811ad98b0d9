// octet-bench: Octet's kernels beside their baselines, in one process on one stream.
//
//   copy         device-to-device copy of 1 GiB (the bandwidth ceiling; read + write counted)
//   cublas_fp16  cublasGemmEx fp16 -> fp16 with CUBLAS_COMPUTE_16F and CUBLAS_COMPUTE_32F
//   cublas_int8  cublasGemmEx int8 -> int32 (CUBLAS_COMPUTE_32I) and cuBLASLt int8 (heuristic)
//   s8_raw       oct_gemm_s8, int32 out                     } through liboctet's public C ABI;
//   s8_fp16      oct_gemm_s8, fp16 out (dequant epilogue)   } a family whose entry point is not
//   w8a8         oct_quantize_activations (dynamic per token) + oct_gemm_s8 fp16 out  } in the
//   w8a16        oct_gemm_w8a16, per channel and per group of 128                     } library
//   quant_act    oct_quantize_activations alone (dynamic per token)                   } is skipped
//   llm_int8     oct_linear_llm_int8 (threshold 6) on x with 0, 8, K/32 and K/2 planted outlier columns
//   percall      host time per call in a tight loop (N calls, one synchronize): the native side of
//                the Java benchmark's overhead comparison
//
// Every GEMM is y[M,N] = x[M,K] * W[N,K]^T with row-major x, W, y (the weight layout of a linear
// layer). Method (docs/perf-notes.md): random data; each Octet result checked once against a
// cuBLAS fp16 GEMM (fp32 out) of the dequantized operands before timing; weights rotated among
// enough copies that L2 cannot serve a repeat; warm-up; then the median over batches of launches,
// each batch behind a spin kernel and between two CUDA events on the stream the kernels run on.
#include <cublasLt.h>
#include <dlfcn.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <sys/stat.h>

#include "bench_common.cuh"
#include "bench_csv.hpp"

using namespace bench;

namespace {

// ---------------------------------------------------------------- optional entry points
// Families that land after this benchmark are resolved at run time: a library without them
// still runs the rest. Prototypes as in octet.h.
using gemm_s8_fn = oct_status_t (*)(oct_tensor_t a, oct_tensor_t b, oct_tensor_t a_scale,
                                    oct_tensor_t b_scale, oct_tensor_t bias, oct_tensor_t out,
                                    oct_stream_t stream);
using gemm_w8a16_fn = oct_status_t (*)(oct_tensor_t x, oct_tensor_t q, oct_tensor_t w_scale,
                                       oct_tensor_t bias, oct_tensor_t out, oct_stream_t stream);

using llm_int8_fn = oct_status_t (*)(oct_tensor_t x, float threshold, oct_tensor_t q,
                                     oct_tensor_t w_scale, oct_tensor_t bias,
                                     oct_tensor_t workspace, oct_tensor_t out,
                                     oct_tensor_t outlier_count, oct_stream_t stream);
using llm_int8_ws_fn = oct_status_t (*)(int64_t m, int64_t n, int64_t k, int64_t* bytes);

struct EntryPoints {
  gemm_s8_fn gemm_s8 = nullptr;
  gemm_w8a16_fn gemm_w8a16 = nullptr;
  llm_int8_fn llm_int8 = nullptr;
  llm_int8_ws_fn llm_int8_workspace_size = nullptr;
};

// Plants `count` outlier columns (j = i * K / count) at +-(20..60) in x [M, K].
__global__ void plant_outliers_kernel(__half* x, int64_t m, int64_t k, int count, uint64_t seed) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= m * count) return;
  const int64_t r = i / count, col = (i % count) * k / count;
  uint64_t h = (uint64_t(i) + 1) * 0x9e3779b97f4a7c15ull ^ seed;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 29;
  const float v = 20.0f + 40.0f * float((h >> 40) & 0xffff) / 65536.0f;
  x[r * k + col] = __float2half((h & 1) ? v : -v);
}

EntryPoints resolve_entry_points() {
  EntryPoints e;
  e.gemm_s8 = reinterpret_cast<gemm_s8_fn>(dlsym(RTLD_DEFAULT, "oct_gemm_s8"));
  e.gemm_w8a16 = reinterpret_cast<gemm_w8a16_fn>(dlsym(RTLD_DEFAULT, "oct_gemm_w8a16"));
  e.llm_int8 = reinterpret_cast<llm_int8_fn>(dlsym(RTLD_DEFAULT, "oct_linear_llm_int8"));
  e.llm_int8_workspace_size =
      reinterpret_cast<llm_int8_ws_fn>(dlsym(RTLD_DEFAULT, "oct_llm_int8_workspace_size"));
  return e;
}

// ---------------------------------------------------------------- shapes and options

struct LayerShape {
  int64_t n, k;
  std::string name;  // e.g. "llama2.gate_up"
  bool square;       // 8192^3: M = 8192 only
};

const std::vector<LayerShape>& shape_set(const std::string& set) {
  static const std::vector<LayerShape> llama2 = {{4096, 4096, "llama2.qkvo", false},
                                                 {11008, 4096, "llama2.gate_up", false},
                                                 {4096, 11008, "llama2.down", false}};
  static const std::vector<LayerShape> llama3 = {{6144, 4096, "llama3.qkv", false},
                                                 {4096, 4096, "llama3.o", false},
                                                 {28672, 4096, "llama3.gate_up", false},
                                                 {4096, 14336, "llama3.down", false}};
  static const std::vector<LayerShape> square = {{8192, 8192, "square", true}};
  static const std::vector<LayerShape> none;
  if (set == "llama2") return llama2;
  if (set == "llama3") return llama3;
  if (set == "square") return square;
  return none;
}

const std::vector<std::string> kAllOps = {"copy",  "cublas_fp16", "cublas_int8", "s8_raw",
                                          "s8_fp16", "w8a8",      "w8a16",       "quant_act",
                                          "llm_int8", "percall"};

struct Options {
  std::set<std::string> ops;
  std::vector<LayerShape> shapes;
  std::vector<int64_t> ms;
  std::vector<int64_t> outliers;  // llm_int8's planted outlier counts; empty: 0, 8, K / 32, K / 2
  bool quick = false;
  bool check = true;
  bool write_csv = true;
  int device = 0;
  std::string out_dir = "docs/bench";
  std::string card;  // empty: from the device name
  TimingConfig timing;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

int64_t parse_int(const std::string& s, const std::string& what, int64_t min = 1) {
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || v < min) throw std::invalid_argument(what + ": bad value '" + s + "'");
  return v;
}

void usage() {
  std::printf(
      "usage: octet_bench [options]\n"
      "  --ops LIST        comma-separated, or all (default): copy, cublas_fp16, cublas_int8,\n"
      "                    s8_raw, s8_fp16, w8a8, w8a16, quant_act, llm_int8, percall\n"
      "  --shapes LIST     llama2, llama3, square (8192^3, M = 8192 only), all (default), or NxK\n"
      "                    weight shapes such as 4096x4096,11008x4096\n"
      "  --m LIST          M values (default 1,2,4,...,8192; --quick: 1,16,128,1024,4096)\n"
      "  --quick           fewer M values and a shorter timing budget (a few minutes in all)\n"
      "  --budget-ms X     timed GPU time per measurement (default 60; --quick 20)\n"
      "  --no-check        skip the correctness check before timing\n"
      "  --out-dir DIR     where <card>.csv is merged (default docs/bench)\n"
      "  --no-csv          print the table only\n"
      "  --card NAME       card name for the CSV (default: from the device name, e.g. h100)\n"
      "  --device N        CUDA device (default 0)\n"
      "  --outliers LIST   llm_int8's planted outlier columns (default 0,8,K/32,K/2; counts\n"
      "                    above K are skipped)\n");
}

Options parse(int argc, char** argv) {
  Options o;
  std::string ops = "all", shapes = "all", ms, outliers;
  double budget = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--ops") ops = next();
    else if (a == "--shapes") shapes = next();
    else if (a == "--m") ms = next();
    else if (a == "--quick") o.quick = true;
    else if (a == "--budget-ms") budget = static_cast<double>(parse_int(next(), a));
    else if (a == "--no-check") o.check = false;
    else if (a == "--out-dir") o.out_dir = next();
    else if (a == "--no-csv") o.write_csv = false;
    else if (a == "--card") o.card = next();
    else if (a == "--device") o.device = static_cast<int>(parse_int(next(), a, 0));
    else if (a == "--outliers") outliers = next();
    else if (a == "-h" || a == "--help") { usage(); std::exit(0); }
    else throw std::invalid_argument("unknown option " + a + " (--help lists them)");
  }
  for (const std::string& op : split(ops, ',')) {
    if (op == "all") {
      o.ops.insert(kAllOps.begin(), kAllOps.end());
    } else if (std::find(kAllOps.begin(), kAllOps.end(), op) != kAllOps.end()) {
      o.ops.insert(op);
    } else {
      throw std::invalid_argument("--ops: unknown op " + op);
    }
  }
  std::set<std::pair<int64_t, int64_t>> seen;  // llama2's 4096x4096 is llama3.o too: once
  auto add = [&](const LayerShape& s) {
    if (seen.insert({s.n * (s.square ? -1 : 1), s.k}).second) o.shapes.push_back(s);
  };
  for (const std::string& s : split(shapes, ',')) {
    if (s == "all") {
      for (const char* set : {"llama2", "llama3", "square"})
        for (const LayerShape& l : shape_set(set)) add(l);
    } else if (!shape_set(s).empty()) {
      for (const LayerShape& l : shape_set(s)) add(l);
    } else {
      const auto x = s.find('x');
      if (x == std::string::npos) throw std::invalid_argument("--shapes: unknown shape " + s);
      add({parse_int(s.substr(0, x), "--shapes " + s), parse_int(s.substr(x + 1), "--shapes " + s),
           s, false});
    }
  }
  for (const std::string& n : split(outliers, ',')) o.outliers.push_back(parse_int(n, "--outliers", 0));
  if (!ms.empty()) {
    for (const std::string& m : split(ms, ',')) {
      o.ms.push_back(parse_int(m, "--m"));
    }
  } else if (o.quick) {
    o.ms = {1, 16, 128, 1024, 4096};
  } else {
    for (int64_t m = 1; m <= 8192; m *= 2) o.ms.push_back(m);
  }
  if (o.quick) {
    o.timing.budget_ms = 20;
    o.timing.min_samples = 7;
    o.timing.max_samples = 40;
  }
  if (budget > 0) o.timing.budget_ms = budget;
  return o;
}

// "NVIDIA H100 80GB HBM3" -> "h100", "NVIDIA A100-SXM4-80GB" -> "a100",
// "NVIDIA GeForce RTX 4090" -> "rtx4090", "NVIDIA L40S" -> "l40s".
std::string card_name(const std::string& device) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : device) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      words.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(cur);
  std::string prev;
  for (const std::string& w : words) {
    if (w == "nvidia" || w == "geforce" || w == "tesla" || w == "quadro") continue;
    const bool has_digit = std::any_of(w.begin(), w.end(), ::isdigit);
    if (has_digit) {
      const bool all_digits = std::all_of(w.begin(), w.end(), ::isdigit);
      return all_digits ? prev + w : w;
    }
    prev = w;
  }
  return words.empty() ? "gpu" : words.back();
}

std::string today_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[16];
  std::strftime(b, sizeof b, "%Y-%m-%d", &tm);
  return b;
}

// ---------------------------------------------------------------- the benchmark

int rotation_copies(int64_t bytes, int64_t l2_bytes) {
  // Enough copies that the set of weights read in a row is 4x L2: a repeat never hits in L2.
  const int64_t want = (4 * l2_bytes + bytes - 1) / bytes;
  return static_cast<int>(std::clamp<int64_t>(want, 2, 64));
}

struct Case {
  const LayerShape* shape;
  int64_t m, n, k;
};

class Bench {
 public:
  explicit Bench(const Options& o) : opt_(o) {
    int32_t built = 0;
    OCT_OK(oct_backend_is_built(OCT_BACKEND_CUDA, &built));
    if (!built) throw Error("this liboctet has no CUDA backend");
    int32_t count = 0;
    OCT_OK(oct_cuda_device_count(&count));
    if (opt_.device >= count)
      throw Error("no CUDA device " + std::to_string(opt_.device) + " (" + std::to_string(count) +
                  " usable)");
    OCT_OK(oct_cuda_device_info(opt_.device, &info_));
    CUDA_OK(cudaSetDevice(opt_.device));
    OCT_OK(oct_context_create(OCT_BACKEND_CUDA, opt_.device, &ctx_));
    OCT_OK(oct_stream_create(ctx_, &stream_));
    void* native = nullptr;
    OCT_OK(oct_stream_get_native(stream_, &native));
    cs_ = static_cast<cudaStream_t>(native);
    int l2 = 0;
    CUDA_OK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, opt_.device));
    l2_bytes_ = l2;
    CUBLAS_OK(cublasCreate(&blas_));
    CUBLAS_OK(cublasSetStream(blas_, cs_));
    CUBLAS_OK(cublasLtCreate(&lt_));
    CUDA_OK(cudaMalloc(&lt_ws_, kLtWorkspace));
    entry_ = resolve_entry_points();
    card_ = opt_.card.empty() ? card_name(info_.name) : opt_.card;
    int rt = 0;
    CUDA_OK(cudaRuntimeGetVersion(&rt));
    cuda_ = std::to_string(rt / 1000) + "." + std::to_string((rt % 1000) / 10);
    date_ = today_utc();
  }
  ~Bench() {
    if (lt_ws_) cudaFree(lt_ws_);
    if (lt_) cublasLtDestroy(lt_);
    if (blas_) cublasDestroy(blas_);
    oct_stream_destroy(stream_);
    oct_context_destroy(ctx_);
  }

  void print_header() const {
    int drv = 0, blas = 0;
    cudaDriverGetVersion(&drv);
    cublasGetVersion(blas_, &blas);
    int32_t cutlass = 0;
    oct_cutlass_is_built(&cutlass);
    std::printf("octet-bench: %s (sm_%d%d, %d SMs, L2 %.0f MB) card=%s\n", info_.name,
                info_.sm_major, info_.sm_minor, info_.multiprocessor_count, l2_bytes_ / 1e6,
                card_.c_str());
    std::printf("CUDA runtime %s, driver %d.%d, cuBLAS %d; liboctet %d (CUTLASS %s)\n",
                cuda_.c_str(), drv / 1000, (drv % 1000) / 10, blas, oct_version(),
                cutlass ? "built" : "not built");
    std::printf("entry points: oct_gemm_s8 %s, oct_gemm_w8a16 %s, oct_linear_llm_int8 %s\n",
                entry_.gemm_s8 ? "found" : "absent (s8_raw, s8_fp16, w8a8 skipped)",
                entry_.gemm_w8a16 ? "found" : "absent (w8a16 skipped)",
                entry_.llm_int8 ? "found" : "absent (llm_int8 skipped)");
    std::printf("timing: budget %.0f ms per measurement, %d..%d samples; weights rotated over "
                ">= 4x L2; checks %s\n\n",
                opt_.timing.budget_ms, opt_.timing.min_samples, opt_.timing.max_samples,
                opt_.check ? "on" : "off");
  }

  int run() {
    if (wants("copy")) attempt("copy", [&] { copy(); });
    const bool per_case = wants("cublas_fp16") || wants("cublas_int8") || wants("s8_raw") ||
                          wants("s8_fp16") || wants("w8a8") || wants("w8a16") || wants("quant_act") ||
                          wants("llm_int8");
    for (const LayerShape& s : per_case ? opt_.shapes : std::vector<LayerShape>{}) {
      std::vector<int64_t> ms = s.square ? std::vector<int64_t>{8192} : opt_.ms;
      for (int64_t m : ms) {
        Case c{&s, m, s.n, s.k};
        std::printf("-- %s  M=%lld N=%lld K=%lld\n", s.name.c_str(), (long long)m, (long long)s.n,
                    (long long)s.k);
        attempt("case", [&] { run_case(c); });
        release(acts_);
      }
      release(weights_);
    }
    if (wants("percall")) attempt("percall", [&] { percall(); });
    fill_baselines();
    print_table(rows_);
    if (opt_.write_csv && !rows_.empty()) {
      mkdir_p(opt_.out_dir);
      const std::string path = opt_.out_dir + "/" + card_ + ".csv";
      if (merge_csv(path, rows_))
        std::printf("\n%zu rows merged into %s\n", rows_.size(), path.c_str());
      else
        ++failures_, std::printf("\nerror: could not write %s\n", path.c_str());
    }
    std::printf("%d failure(s), %d skip(s)\n", failures_, skips_);
    return failures_ ? 1 : 0;
  }

 private:
  static constexpr size_t kLtWorkspace = 64ull << 20;

  // Weights of one layer shape, made once for all M: int8 copies (with their per-group scales)
  // and fp16 copies for cuBLAS, plus the dequantized fp16 weights the checks use.
  struct Weights {
    std::vector<Tensor> q, g_scale, w16;
    Tensor b_scale;  // fp32 [N]
    Tensor dq_channel, dq_group, q_exact;  // fp16 [N, K] (checks only)
  };
  // Activations and outputs of one (shape, M).
  struct Acts {
    Tensor x16, xq, a_scale, xq_dyn, scale_dyn, out16, out32, ref;
  };

  // Frees a shape's (or an M's) buffers once the stream is done with them.
  template <typename T>
  void release(T& buffers) {
    CUDA_OK(cudaStreamSynchronize(cs_));
    buffers = T{};
  }

  bool wants(const char* op) const { return opt_.ops.count(op) != 0; }

  template <typename F>
  void attempt(const char* what, F&& f) {
    try {
      f();
    } catch (const Skip& e) {
      ++skips_;
      std::printf("   skipped %s: %s\n", what, e.what());
    } catch (const std::exception& e) {
      ++failures_;
      std::printf("   FAILED %s: %s\n", what, e.what());
      // A sticky CUDA error (an illegal address) poisons the context: nothing more can run.
      if (cudaDeviceSynchronize() != cudaSuccess) {
        std::printf("the CUDA context is unusable after this failure; stopping\n");
        std::exit(2);
      }
    }
  }

  static void mkdir_p(const std::string& dir) {
    std::string cur;
    for (const std::string& part : split(dir, '/')) {
      cur += (cur.empty() && dir[0] != '/') ? part : "/" + part;
      mkdir(cur.c_str(), 0755);
    }
  }

  uint64_t next_seed() { return ++seed_ * 0x9e3779b97f4a7c15ull; }

  Tensor make(oct_dtype_t dtype, std::vector<int64_t> shape) {
    return Tensor(ctx_, dtype, std::move(shape));
  }
  Tensor random_half(std::vector<int64_t> shape, float lo = -1, float hi = 1) {
    Tensor t = make(OCT_DTYPE_FP16, std::move(shape));
    fill_half(t.ptr<__half>(), t.numel(), next_seed(), cs_, lo, hi);
    return t;
  }
  Tensor random_int8(std::vector<int64_t> shape) {
    Tensor t = make(OCT_DTYPE_INT8, std::move(shape));
    fill_int8(t.ptr<int8_t>(), t.numel(), next_seed(), cs_);
    return t;
  }
  Tensor random_scale(std::vector<int64_t> shape) {
    // about 1/127 of a unit range, never zero: dequantized values of order 1
    Tensor t = make(OCT_DTYPE_FP32, std::move(shape));
    fill_float(t.ptr<float>(), t.numel(), next_seed(), cs_, 0.5f / 127, 1.5f / 127);
    return t;
  }

  // ------------------------------------------------ operands, made on first use

  bool needs_int8_weights() const {
    return wants("cublas_int8") || wants("s8_raw") || wants("s8_fp16") || wants("w8a8") ||
           wants("w8a16") || wants("llm_int8");
  }

  void prepare_weights(int64_t n, int64_t k) {
    if (needs_int8_weights() && weights_.q.empty()) {
      const int r = rotation_copies(n * k, l2_bytes_);
      for (int i = 0; i < r; ++i) {
        weights_.q.push_back(random_int8({n, k}));
        if (k % 128 == 0) weights_.g_scale.push_back(random_scale({n, k / 128}));
      }
      weights_.b_scale = random_scale({n});
      std::printf("   int8 weights: %d copies of %.1f MB\n", r, n * k / 1e6);
    }
    if (wants("cublas_fp16") && weights_.w16.empty()) {
      const int r = rotation_copies(2 * n * k, l2_bytes_);
      for (int i = 0; i < r; ++i) weights_.w16.push_back(random_half({n, k}));
      std::printf("   fp16 weights: %d copies of %.1f MB\n", r, 2 * n * k / 1e6);
    }
  }

  void prepare_acts(const Case& c) {
    acts_.x16 = random_half({c.m, c.k});
    acts_.xq = random_int8({c.m, c.k});
    acts_.a_scale = random_scale({c.m});
    acts_.xq_dyn = make(OCT_DTYPE_INT8, {c.m, c.k});
    acts_.scale_dyn = make(OCT_DTYPE_FP32, {c.m});
    acts_.out16 = make(OCT_DTYPE_FP16, {c.m, c.n});
    if (wants("s8_raw")) acts_.out32 = make(OCT_DTYPE_INT32, {c.m, c.n});
    CUDA_OK(cudaStreamSynchronize(cs_));
  }

  // fp16 [N, K] = q[0] * scale (scale NULL: q exactly), cached per shape.
  const Tensor& dequantized_weight(Tensor& slot, const float* scale, int64_t stride,
                                   int64_t group, const Case& c) {
    if (!slot) {
      slot = make(OCT_DTYPE_FP16, {c.n, c.k});
      dequant(weights_.q[0].ptr<int8_t>(), c.n, c.k, scale, stride, group, slot.ptr<__half>(), cs_);
    }
    return slot;
  }

  // ------------------------------------------------ cuBLAS

  // y [M, N] (row-major) = x [M, K] * w [N, K]^T: column-major, that is y^T = w * x^T, so cuBLAS
  // sees A = w (K x N, transposed), B = x (K x M, as is), C = y^T (N x M): the "TN" layout.
  void gemm_fp16(const void* x, const void* w, void* y, cudaDataType yt, const Case& c,
                 cublasComputeType_t ct) {
    const int m = static_cast<int>(c.n), n = static_cast<int>(c.m), k = static_cast<int>(c.k);
    if (ct == CUBLAS_COMPUTE_16F) {
      const __half one = __float2half(1.f), zero = __float2half(0.f);
      CUBLAS_OK(cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, w, CUDA_R_16F, k, x,
                             CUDA_R_16F, k, &zero, y, yt, m, ct, CUBLAS_GEMM_DEFAULT));
    } else {
      const float one = 1.f, zero = 0.f;
      CUBLAS_OK(cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, w, CUDA_R_16F, k, x,
                             CUDA_R_16F, k, &zero, y, yt, m, ct, CUBLAS_GEMM_DEFAULT));
    }
  }

  cublasStatus_t gemm_int8(const void* x, const void* w, void* y, const Case& c) {
    const int m = static_cast<int>(c.n), n = static_cast<int>(c.m), k = static_cast<int>(c.k);
    const int32_t one = 1, zero = 0;
    return cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, w, CUDA_R_8I, k, x,
                        CUDA_R_8I, k, &zero, y, CUDA_R_32I, m, CUBLAS_COMPUTE_32I,
                        CUBLAS_GEMM_DEFAULT);
  }

  // cuBLASLt int8 x int8 -> int32 with the algorithm its heuristic ranks first.
  struct LtPlan {
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulHeuristicResult_t result{};
    ~LtPlan() {
      if (c) cublasLtMatrixLayoutDestroy(c);
      if (b) cublasLtMatrixLayoutDestroy(b);
      if (a) cublasLtMatrixLayoutDestroy(a);
      if (op) cublasLtMatmulDescDestroy(op);
    }
  };
  void plan_lt(LtPlan& p, const Case& c) {
    CUBLAS_OK(cublasLtMatmulDescCreate(&p.op, CUBLAS_COMPUTE_32I, CUDA_R_32I));
    const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    CUBLAS_OK(cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    CUBLAS_OK(cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    CUBLAS_OK(cublasLtMatrixLayoutCreate(&p.a, CUDA_R_8I, c.k, c.n, c.k));
    CUBLAS_OK(cublasLtMatrixLayoutCreate(&p.b, CUDA_R_8I, c.k, c.m, c.k));
    CUBLAS_OK(cublasLtMatrixLayoutCreate(&p.c, CUDA_R_32I, c.n, c.m, c.n));
    cublasLtMatmulPreference_t pref = nullptr;
    CUBLAS_OK(cublasLtMatmulPreferenceCreate(&pref));
    const uint64_t ws = kLtWorkspace;
    int found = 0;
    cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    if (st == CUBLAS_STATUS_SUCCESS)
      st = cublasLtMatmulAlgoGetHeuristic(lt_, p.op, p.a, p.b, p.c, p.c, pref, 1, &p.result, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    if (st != CUBLAS_STATUS_SUCCESS || found == 0)
      throw Skip(std::string("cuBLASLt has no int8 algorithm for this shape (") +
                 cublasGetStatusString(st) + ")");
  }
  void run_lt(const LtPlan& p, const void* x, const void* w, void* y) {
    const int32_t one = 1, zero = 0;
    CUBLAS_OK(cublasLtMatmul(lt_, p.op, &one, w, p.a, x, p.b, &zero, y, p.c, y, p.c,
                             &p.result.algo, lt_ws_, p.result.workspaceSize, cs_));
  }

  // ------------------------------------------------ checks

  // ref [M, N] fp32 = a [M, K] * b [N, K]^T from fp16 operands (cuBLAS, fp32 accumulation).
  void reference(const void* a, const void* b, const Case& c) {
    if (!acts_.ref) acts_.ref = make(OCT_DTYPE_FP32, {c.m, c.n});
    gemm_fp16(a, b, acts_.ref.ptr(), CUDA_R_32F, c, CUBLAS_COMPUTE_32F);
  }

  template <typename T>
  void expect_close(const char* what, const T* out, const float* ref, int64_t n, double tol) {
    const Agreement a = compare(out, ref, n, cs_);
    std::printf("   check %-26s rel_err %.2e (tolerance %.0e)%s\n", what, a.rel_err, tol,
                a.non_finite ? " NON-FINITE OUTPUTS" : "");
    if (!(a.rel_err <= tol) || a.non_finite)
      throw Error(std::string("check failed for ") + what + ": relative error " +
                  std::to_string(a.rel_err) + ", " + std::to_string(a.non_finite) +
                  " non-finite outputs");
  }

  // ------------------------------------------------ recording

  Row& record(const std::string& op, const std::string& variant, const Case& c, const Timing& t,
              double flops, double bytes) {
    Row r;
    r.op = op;
    r.variant = variant;
    r.m = c.m;
    r.n = c.n;
    r.k = c.k;
    r.median_us = t.median_us;
    if (flops > 0) r.tops = flops / (t.median_us * 1e-6) / 1e12;
    if (bytes > 0) r.gbps = bytes / (t.median_us * 1e-6) / 1e9;
    r.card = card_;
    r.cuda = cuda_;
    r.date = date_;
    std::printf("   %-16s %-16s %10.2f us %8s TOP/s %8s GB/s  (%d samples x %d)\n", op.c_str(),
                variant.c_str(), t.median_us, fmt(r.tops, 1).c_str(), fmt(r.gbps, 0).c_str(),
                t.samples, t.batch);
    rows_.push_back(r);
    return rows_.back();
  }

  // The fp16 baseline (cuBLAS, fp32 accumulation) for GEMM rows; the best cuBLAS int8 path for
  // Octet's raw int8 GEMM; the fp16 (fp32 accumulation) one for cuBLAS fp16 with fp16 accumulation.
  void fill_baselines() {
    std::map<std::string, const Row*> fp16, int8;
    auto shape_key = [](const Row& r) {
      return std::to_string(r.m) + "," + std::to_string(r.n) + "," + std::to_string(r.k);
    };
    for (const Row& r : rows_) {
      if (r.op == "cublas_fp16" && r.variant == "compute32f") fp16[shape_key(r)] = &r;
      if (r.op == "cublas_int8") {
        const Row*& best = int8[shape_key(r)];
        if (!best || r.median_us < best->median_us) best = &r;
      }
    }
    for (Row& r : rows_) {
      const Row* base = nullptr;
      if (r.op == "octet_s8" && r.variant == "int32_raw") {
        auto it = int8.find(shape_key(r));
        if (it != int8.end()) base = it->second;
      } else if (r.op == "cublas_int8" || r.op == "octet_s8" || r.op == "octet_w8a8" ||
                 r.op == "octet_w8a16" || r.op == "octet_llm_int8" ||
                 (r.op == "cublas_fp16" && r.variant == "compute16f")) {
        auto it = fp16.find(shape_key(r));
        if (it != fp16.end()) base = it->second;
      }
      if (base) {
        r.baseline = base->op + "/" + base->variant;
        r.baseline_us = base->median_us;
        r.speedup = base->median_us / r.median_us;
      }
    }
  }

  // ------------------------------------------------ measurements

  void copy() {
    const int64_t bytes = 1ll << 30;
    void *src = nullptr, *dst = nullptr;
    CUDA_OK(cudaMalloc(&src, bytes));
    try {
      CUDA_OK(cudaMalloc(&dst, bytes));
      fill_int8(static_cast<int8_t*>(src), bytes, next_seed(), cs_);
      const Timing t = measure(
          cs_,
          [&](int64_t) {
            CUDA_OK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cs_));
          },
          opt_.timing);
      record("copy", "d2d_1GiB", Case{nullptr, 0, 0, 0}, t, 0, 2.0 * bytes);
    } catch (...) {
      cudaFree(src);
      cudaFree(dst);
      throw;
    }
    cudaFree(src);
    cudaFree(dst);
  }

  void run_case(const Case& c) {
    prepare_weights(c.n, c.k);
    prepare_acts(c);
    const double flops = 2.0 * c.m * c.n * c.k;
    const double mk = double(c.m) * c.k, nk = double(c.n) * c.k, mn = double(c.m) * c.n;

    if (wants("cublas_fp16")) {
      const std::pair<cublasComputeType_t, const char*> variants[] = {
          {CUBLAS_COMPUTE_32F, "compute32f"}, {CUBLAS_COMPUTE_16F, "compute16f"}};
      for (const auto& v : variants) {
        const cublasComputeType_t ct = v.first;
        const char* name = v.second;
        attempt(name, [&] {
          const Timing t = measure(
              cs_,
              [&](int64_t i) {
                gemm_fp16(acts_.x16.ptr(), weights_.w16[i % weights_.w16.size()].ptr(),
                          acts_.out16.ptr(), CUDA_R_16F, c, ct);
              },
              opt_.timing);
          record("cublas_fp16", name, c, t, flops, 2 * (mk + nk + mn));
        });
      }
    }
    if (wants("cublas_int8")) {
      if (!acts_.out32) acts_.out32 = make(OCT_DTYPE_INT32, {c.m, c.n});
      const auto& q = weights_.q;
      attempt("cublas_int8/gemmex_32i", [&] {
        // cuBLAS's int8 GEMM has shape and alignment rules of its own: a refusal is a skip
        const cublasStatus_t probe = gemm_int8(acts_.xq.ptr(), q[0].ptr(), acts_.out32.ptr(), c);
        if (probe == CUBLAS_STATUS_NOT_SUPPORTED || probe == CUBLAS_STATUS_INVALID_VALUE)
          throw Skip(std::string("cublasGemmEx int8: ") + cublasGetStatusString(probe));
        CUBLAS_OK(probe);
        const Timing t = measure(
            cs_,
            [&](int64_t i) {
              CUBLAS_OK(gemm_int8(acts_.xq.ptr(), q[i % q.size()].ptr(), acts_.out32.ptr(), c));
            },
            opt_.timing);
        record("cublas_int8", "gemmex_32i", c, t, flops, mk + nk + 4 * mn);
      });
      attempt("cublas_int8/lt_heuristic", [&] {
        LtPlan p;
        plan_lt(p, c);
        const Timing t = measure(
            cs_, [&](int64_t i) { run_lt(p, acts_.xq.ptr(), q[i % q.size()].ptr(), acts_.out32.ptr()); },
            opt_.timing);
        record("cublas_int8", "lt_heuristic", c, t, flops, mk + nk + 4 * mn);
      });
    }

    const bool s8 = wants("s8_raw") || wants("s8_fp16") || wants("w8a8");
    if (s8 && !entry_.gemm_s8) {
      ++skips_;
      std::printf("   skipped s8_raw/s8_fp16/w8a8: oct_gemm_s8 is not in this liboctet\n");
    }
    if (wants("s8_raw") && entry_.gemm_s8) attempt("octet_s8/int32_raw", [&] { s8_raw(c); });
    if (wants("s8_fp16") && entry_.gemm_s8) attempt("octet_s8/fp16_out", [&] { s8_fp16(c); });
    if (wants("w8a8") && entry_.gemm_s8) attempt("octet_w8a8", [&] { w8a8(c); });
    if (wants("w8a16")) {
      if (!entry_.gemm_w8a16) {
        ++skips_;
        std::printf("   skipped w8a16: oct_gemm_w8a16 is not in this liboctet\n");
      } else {
        attempt("octet_w8a16/per_channel", [&] { w8a16(c, false); });
        attempt("octet_w8a16/group128", [&] { w8a16(c, true); });
      }
    }
    if (wants("quant_act")) attempt("octet_quant_act", [&] { quant_act(c); });
    if (wants("llm_int8")) {
      if (!entry_.llm_int8 || !entry_.llm_int8_workspace_size) {
        ++skips_;
        std::printf("   skipped llm_int8: oct_linear_llm_int8 is not in this liboctet\n");
      } else {
        // 0, 8, K / 32 (the most the decomposition keeps) and K / 2 (promoted: the W8A16 layer)
        std::vector<int64_t> counts = opt_.outliers;
        if (counts.empty()) counts = {0, 8, c.k / 32, c.k / 2};
        for (int64_t outliers : counts) {
          if (outliers > c.k) {
            ++skips_;
            std::printf("   skipped llm_int8 with %lld outliers: K = %lld\n", (long long)outliers, (long long)c.k);
            continue;
          }
          attempt("octet_llm_int8", [&] { llm_int8(c, static_cast<int>(outliers)); });
        }
      }
    }
  }

  void s8_raw(const Case& c) {
    const auto& q = weights_.q;
    auto launch = [&](int64_t i) {
      OCT_OK(entry_.gemm_s8(acts_.xq.t(), q[i % q.size()].t(), nullptr, nullptr, nullptr,
                            acts_.out32.t(), stream_));
    };
    if (opt_.check) {
      // int8 values are exact in fp16, their products exact in fp32: the fp32-accumulated
      // reference differs from the exact int32 sums by fp32 rounding only.
      Tensor xq16 = make(OCT_DTYPE_FP16, {c.m, c.k});
      dequant(acts_.xq.ptr<int8_t>(), c.m, c.k, nullptr, 0, c.k, xq16.ptr<__half>(), cs_);
      reference(xq16.ptr(), dequantized_weight(weights_.q_exact, nullptr, 0, c.k, c).ptr(), c);
      CUDA_OK(cudaMemsetAsync(acts_.out32.ptr(), 0x7f, acts_.out32.nbytes(), cs_));  // poison
      launch(0);
      expect_close("octet_s8/int32_raw", acts_.out32.ptr<int32_t>(), acts_.ref.ptr<float>(),
                   c.m * c.n, 1e-4);
    }
    const Timing t = measure(cs_, launch, opt_.timing);
    record("octet_s8", "int32_raw", c, t, 2.0 * c.m * c.n * c.k,
           double(c.m) * c.k + double(c.n) * c.k + 4.0 * c.m * c.n);
  }

  void s8_fp16(const Case& c) {
    const auto& q = weights_.q;
    auto launch = [&](int64_t i) {
      OCT_OK(entry_.gemm_s8(acts_.xq.t(), q[i % q.size()].t(), acts_.a_scale.t(),
                            weights_.b_scale.t(), nullptr, acts_.out16.t(), stream_));
    };
    if (opt_.check) {
      Tensor xdq = make(OCT_DTYPE_FP16, {c.m, c.k});
      dequant(acts_.xq.ptr<int8_t>(), c.m, c.k, acts_.a_scale.ptr<float>(), 1, c.k,
              xdq.ptr<__half>(), cs_);
      const Tensor& wdq = dequantized_weight(weights_.dq_channel, weights_.b_scale.ptr<float>(), 1,
                                             c.k, c);
      reference(xdq.ptr(), wdq.ptr(), c);
      CUDA_OK(cudaMemsetAsync(acts_.out16.ptr(), 0xff, acts_.out16.nbytes(), cs_));  // NaN
      launch(0);
      // the reference rounds each dequantized operand to fp16 (2^-12 relative), the kernel the
      // output only: agreement to ~1e-3
      expect_close("octet_s8/fp16_out", acts_.out16.ptr<__half>(), acts_.ref.ptr<float>(),
                   c.m * c.n, 1e-2);
    }
    const Timing t = measure(cs_, launch, opt_.timing);
    record("octet_s8", "fp16_out", c, t, 2.0 * c.m * c.n * c.k,
           double(c.m) * c.k + double(c.n) * c.k + 2.0 * c.m * c.n + 4.0 * (c.m + c.n));
  }

  void w8a8(const Case& c) {
    const auto& q = weights_.q;
    auto launch = [&](int64_t i) {
      OCT_OK(oct_quantize_activations(acts_.x16.t(), OCT_ACT_DYNAMIC_PER_TOKEN, nullptr,
                                      acts_.xq_dyn.t(), acts_.scale_dyn.t(), stream_));
      OCT_OK(entry_.gemm_s8(acts_.xq_dyn.t(), q[i % q.size()].t(), acts_.scale_dyn.t(),
                            weights_.b_scale.t(), nullptr, acts_.out16.t(), stream_));
    };
    if (opt_.check) {
      const Tensor& wdq = dequantized_weight(weights_.dq_channel, weights_.b_scale.ptr<float>(), 1,
                                             c.k, c);
      reference(acts_.x16.ptr(), wdq.ptr(), c);
      CUDA_OK(cudaMemsetAsync(acts_.out16.ptr(), 0xff, acts_.out16.nbytes(), cs_));
      launch(0);
      // against the unquantized activations: per-token rounding to 1/254 of the row's range,
      // about 0.5% norm-wise on uniform data
      expect_close("octet_w8a8/dyn_per_token", acts_.out16.ptr<__half>(), acts_.ref.ptr<float>(),
                   c.m * c.n, 3e-2);
    }
    const Timing t = measure(cs_, launch, opt_.timing);
    record("octet_w8a8", "dyn_per_token", c, t, 2.0 * c.m * c.n * c.k,
           2.0 * c.m * c.k + double(c.n) * c.k + 2.0 * c.m * c.n + 4.0 * c.n);
  }

  void w8a16(const Case& c, bool grouped) {
    if (grouped && weights_.g_scale.empty()) throw Skip("K is not a multiple of 128");
    const auto& q = weights_.q;
    auto scale = [&](int64_t i) -> const Tensor& {
      return grouped ? weights_.g_scale[i % weights_.g_scale.size()] : weights_.b_scale;
    };
    auto launch = [&](int64_t i) {
      OCT_OK(entry_.gemm_w8a16(acts_.x16.t(), q[i % q.size()].t(), scale(i).t(), nullptr,
                               acts_.out16.t(), stream_));
    };
    const char* variant = grouped ? "group128" : "per_channel";
    if (opt_.check) {
      const Tensor& wdq =
          grouped ? dequantized_weight(weights_.dq_group, weights_.g_scale[0].ptr<float>(),
                                       c.k / 128, 128, c)
                  : dequantized_weight(weights_.dq_channel, weights_.b_scale.ptr<float>(), 1,
                                       c.k, c);
      reference(acts_.x16.ptr(), wdq.ptr(), c);
      CUDA_OK(cudaMemsetAsync(acts_.out16.ptr(), 0xff, acts_.out16.nbytes(), cs_));
      launch(0);
      expect_close(grouped ? "octet_w8a16/group128" : "octet_w8a16/per_channel",
                   acts_.out16.ptr<__half>(), acts_.ref.ptr<float>(), c.m * c.n, 1e-2);
    }
    const Timing t = measure(cs_, launch, opt_.timing);
    const double scale_bytes = 4.0 * (grouped ? c.n * (c.k / 128) : c.n);
    record("octet_w8a16", variant, c, t, 2.0 * c.m * c.n * c.k,
           2.0 * c.m * c.k + double(c.n) * c.k + scale_bytes + 2.0 * c.m * c.n);
  }

  void quant_act(const Case& c) {
    const std::string key = std::to_string(c.m) + "x" + std::to_string(c.k);
    if (!quant_done_.insert(key).second) return;  // same (M, K) as an earlier shape
    auto launch = [&](int64_t) {
      OCT_OK(oct_quantize_activations(acts_.x16.t(), OCT_ACT_DYNAMIC_PER_TOKEN, nullptr,
                                      acts_.xq_dyn.t(), acts_.scale_dyn.t(), stream_));
    };
    if (opt_.check) {
      CUDA_OK(cudaMemsetAsync(acts_.xq_dyn.ptr(), 0, acts_.xq_dyn.nbytes(), cs_));
      CUDA_OK(cudaMemsetAsync(acts_.scale_dyn.ptr(), 0xff, acts_.scale_dyn.nbytes(), cs_));
      launch(0);
      Tensor back = make(OCT_DTYPE_FP32, {c.m, c.k});
      dequant(acts_.xq_dyn.ptr<int8_t>(), c.m, c.k, acts_.scale_dyn.ptr<float>(), 1, c.k,
              back.ptr<float>(), cs_);
      expect_close("octet_quant_act (x vs deq)", acts_.x16.ptr<__half>(), back.ptr<float>(),
                   c.m * c.k, 2e-2);
    }
    const Timing t = measure(cs_, launch, opt_.timing);
    // x is [M, K]: the row has n = 0 (no weight)
    record("octet_quant_act", "dyn_per_token", Case{c.shape, c.m, 0, c.k}, t, 0,
           3.0 * c.m * c.k + 4.0 * c.m);
  }

  // LLM.int8() (threshold 6) on a copy of x (uniform in [-1, 1]) with `outliers` planted
  // columns at +-(20..60): the same weights as w8a8, checked against the fp32 reference of the
  // planted x times the dequantized weight, recorded as octet_llm_int8/outliers<count>.
  void llm_int8(const Case& c, int outliers) {
    const auto& q = weights_.q;
    Tensor x = make(OCT_DTYPE_FP16, {c.m, c.k});
    CUDA_OK(cudaMemcpyAsync(x.ptr(), acts_.x16.ptr(), x.nbytes(), cudaMemcpyDeviceToDevice, cs_));
    if (outliers > 0) {
      const int64_t n = c.m * outliers;
      plant_outliers_kernel<<<static_cast<unsigned>((n + 255) / 256), 256, 0, cs_>>>(
          x.ptr<__half>(), c.m, c.k, outliers, next_seed());
      CUDA_OK(cudaGetLastError());
    }
    int64_t bytes = 0;
    OCT_OK(entry_.llm_int8_workspace_size(c.m, c.n, c.k, &bytes));
    Tensor ws = make(OCT_DTYPE_INT8, {bytes});
    Tensor count = make(OCT_DTYPE_INT32, {1});
    auto launch = [&](int64_t i) {
      OCT_OK(entry_.llm_int8(x.t(), 6.0f, q[i % q.size()].t(), weights_.b_scale.t(), nullptr,
                             ws.t(), acts_.out16.t(), count.t(), stream_));
    };
    const std::string variant = "outliers" + std::to_string(outliers);
    if (opt_.check) {
      const Tensor& wdq = dequantized_weight(weights_.dq_channel, weights_.b_scale.ptr<float>(), 1,
                                             c.k, c);
      reference(x.ptr(), wdq.ptr(), c);
      CUDA_OK(cudaMemsetAsync(acts_.out16.ptr(), 0xff, acts_.out16.nbytes(), cs_));
      launch(0);
      int32_t got = -1;
      CUDA_OK(cudaMemcpyAsync(&got, count.ptr(), 4, cudaMemcpyDeviceToHost, cs_));
      CUDA_OK(cudaStreamSynchronize(cs_));
      if (got != outliers)
        throw Error("octet_llm_int8: " + std::to_string(got) + " outlier columns found, " +
                    std::to_string(outliers) + " planted");
      // the regular part as w8a8 (per-token rounding of |x| <= 1), the outlier part near exact
      expect_close(("octet_llm_int8/" + variant).c_str(), acts_.out16.ptr<__half>(),
                   acts_.ref.ptr<float>(), c.m * c.n, 3e-2);
    }
    const Timing t = measure(cs_, launch, opt_.timing);
    record("octet_llm_int8", variant.c_str(), c, t, 2.0 * c.m * c.n * c.k,
           2.0 * c.m * c.k + double(c.n) * c.k + 2.0 * c.m * c.n + 4.0 * c.n);
  }

  // Host time per call at M = 1 (and end-to-end at M = 128, 1024) on a 4096 x 4096 layer: 1000
  // calls in a tight loop, one synchronize, wall clock; the median of 5 repetitions. The Java
  // benchmark (java/src/jmh) times the same calls through the Java API.
  void percall() {
    std::printf("-- percall: host time per call, tight loop of N calls + one synchronize\n");
    const int64_t n = 4096, k = 4096;
    Tensor q = random_int8({n, k}), b_scale = random_scale({n});
    for (int64_t m : {int64_t(1), int64_t(128), int64_t(1024)}) {
      Case c{nullptr, m, n, k};
      Tensor x = random_half({m, k}), xq = make(OCT_DTYPE_INT8, {m, k}),
             s = make(OCT_DTYPE_FP32, {m}), out = make(OCT_DTYPE_FP16, {m, n});
      Tensor w16 = random_half({n, k});
      CUDA_OK(cudaStreamSynchronize(cs_));
      const int calls = 1000;  // as KernelCallBenchmark.CALLS: the same share of one synchronize
      // A row per call: (m, n, k) name the operands (0 where the call has none).
      auto loop = [&](const char* variant, int64_t rn, int64_t rk,
                      const std::function<void()>& call) {
        attempt(variant, [&] {
          for (int i = 0; i < calls / 10; ++i) call();
          OCT_OK(oct_stream_synchronize(stream_));
          std::vector<double> per;
          for (int r = 0; r < 5; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < calls; ++i) call();
            OCT_OK(oct_stream_synchronize(stream_));
            per.push_back(std::chrono::duration<double, std::micro>(
                              std::chrono::steady_clock::now() - t0).count() / calls);
          }
          std::sort(per.begin(), per.end());
          Row r;
          r.op = "percall";
          r.variant = variant;
          r.m = m;
          r.n = rn;
          r.k = rk;
          r.median_us = per[2];
          r.card = card_;
          r.cuda = cuda_;
          r.date = date_;
          std::printf("   M=%-5lld %-24s %9.3f us/call\n", (long long)m, variant, r.median_us);
          rows_.push_back(r);
        });
      };
      if (m == 1) {
        oct_tensor_desc_t d;
        loop("tensor_describe", 0, 0, [&] { OCT_OK(oct_tensor_describe(x.t(), &d)); });
        loop("stream_synchronize", 0, 0, [&] { OCT_OK(oct_stream_synchronize(stream_)); });
      }
      loop("quant_act", 0, k, [&] {
        OCT_OK(oct_quantize_activations(x.t(), OCT_ACT_DYNAMIC_PER_TOKEN, nullptr, xq.t(), s.t(),
                                        stream_));
      });
      if (entry_.gemm_s8) {
        loop("s8_fp16", n, k, [&] {
          OCT_OK(entry_.gemm_s8(xq.t(), q.t(), s.t(), b_scale.t(), nullptr, out.t(), stream_));
        });
        loop("w8a8", n, k, [&] {
          OCT_OK(oct_quantize_activations(x.t(), OCT_ACT_DYNAMIC_PER_TOKEN, nullptr, xq.t(), s.t(),
                                          stream_));
          OCT_OK(entry_.gemm_s8(xq.t(), q.t(), s.t(), b_scale.t(), nullptr, out.t(), stream_));
        });
      }
      if (entry_.gemm_w8a16)
        loop("w8a16_per_channel", n, k, [&] {
          OCT_OK(entry_.gemm_w8a16(x.t(), q.t(), b_scale.t(), nullptr, out.t(), stream_));
        });
      loop("cublas_fp16_32f", n, k, [&] {
        gemm_fp16(x.ptr(), w16.ptr(), out.ptr(), CUDA_R_16F, c, CUBLAS_COMPUTE_32F);
      });
    }
  }

  Options opt_;
  oct_device_info_t info_{};
  oct_context_t ctx_ = nullptr;
  oct_stream_t stream_ = nullptr;
  cudaStream_t cs_ = nullptr;
  int64_t l2_bytes_ = 0;
  cublasHandle_t blas_ = nullptr;
  cublasLtHandle_t lt_ = nullptr;
  void* lt_ws_ = nullptr;
  EntryPoints entry_;
  std::string card_, cuda_, date_;
  uint64_t seed_ = 0;
  Weights weights_;
  Acts acts_;
  std::set<std::string> quant_done_;
  std::vector<Row> rows_;
  int failures_ = 0, skips_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up as they come, also in a pipe
  try {
    const Options opt = parse(argc, argv);
    Bench bench(opt);
    bench.print_header();
    return bench.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "octet_bench: %s\n", e.what());
    return 2;
  }
}
