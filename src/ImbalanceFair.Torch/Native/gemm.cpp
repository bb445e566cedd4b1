// float32 GEMMs through oneDNN instead of the BLAS.
//
// Debian's libtorch calls its BLAS (OpenBLAS) for every GEMM, and which kernels OpenBLAS runs depends on how it
// was built and on OPENBLAS_CORETYPE: OpenBLAS 0.3.21 does not know newer CPUs, and machines that set
// OPENBLAS_CORETYPE=Haswell to work around that (or a wrong result on some processors) run AVX2 kernels on an
// AVX-512 CPU. oneDNN (libdnnl, which libtorch links for its convolutions) JIT-compiles its sgemm for the ISA
// it finds at run time (AVX-512, AVX2, SSE4.1) whatever the BLAS does, and threads with the same OpenMP runtime
// as libtorch. Measured on a 2-core AVX-512 machine, one thread, [1600x768]·[768x3072]: oneDNN ~100-110 GFLOP/s,
// OpenBLAS 0.3.21 as SkylakeX ~70, as Haswell ~40 (docs/performance.md). linear.cpp calls this per row slice inside
// its own parallel_for, where oneDNN runs on the calling thread: one thread pool, and each output row summed in
// the same order whatever the thread count.
#include "gemm.h"

#include "imbf.h"
#include "kernels.h"

#include <dlfcn.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace imbf {
namespace {

// oneDNN's C API (dnnl.h), row-major: C = alpha · op(A) · op(B) + beta · C. Declared here: Debian ships no
// libdnnl headers with libtorch, and the symbol is looked up at run time so that a libtorch without oneDNN works.
typedef int (*dnnl_sgemm_fn)(char transa, char transb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                             int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same with bf16 operands (oneDNN's bfloat16_t is a uint16_t holding a bf16's bits) and float32 C: every product
// of two bf16 values is exact in float32, and the sums accumulate in float32.
typedef int (*dnnl_gemm_bf16_fn)(char transa, char transb, int64_t M, int64_t N, int64_t K, float alpha,
                                 const uint16_t* A, int64_t lda, const uint16_t* B, int64_t ldb, float beta, float* C,
                                 int64_t ldc);

void* find_dnnl_symbol(const char* symbol) {
#if defined(__x86_64__)
  static const char* const libraries[] = {"libdnnl.so.2", "libdnnl.so.3", "libdnnl.so", "libmkldnn.so.1"};
  for (const char* name : libraries) {
    void* handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    void* fn = dlsym(handle, symbol);
    dlclose(handle);  // only drops the reference NOLOAD added: the library stays loaded
    if (fn) return fn;
  }
  // A libtorch that links oneDNN statically (PyTorch's wheels) may still export it from libtorch_cpu.
  if (void* fn = dlsym(RTLD_DEFAULT, symbol)) return fn;
#endif
  return nullptr;
}

dnnl_sgemm_fn dnnl_sgemm() {
  static const auto fn = reinterpret_cast<dnnl_sgemm_fn>(find_dnnl_symbol("dnnl_sgemm"));
  return fn;
}

dnnl_gemm_bf16_fn dnnl_gemm_bf16() {
  static const auto fn = reinterpret_cast<dnnl_gemm_bf16_fn>(find_dnnl_symbol("dnnl_gemm_bf16bf16f32"));
  return fn;
}

// Whether the CPU computes bf16 products in hardware: AVX512_BF16 (CPUID leaf 7 sub-leaf 1, EAX bit 5) or AMX-BF16
// (leaf 7 sub-leaf 0, EDX bit 22), with the OS saving AVX-512 state. oneDNN also runs its bf16 GEMM on plain AVX-512
// by converting in software, but that is slower than its float32 GEMM, so bf16 would buy inaccuracy for nothing.
bool cpu_has_bf16() {
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx512f")) return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (d & (1u << 22))) return true;
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5))) return true;
#endif
  return false;
}

// IMBFAIR_CPU_BF16=0 when the shim loads switches the bf16 GEMMs off (read once).
bool bf16_switched_off() {
  static const bool off = [] {
    const char* v = std::getenv("IMBFAIR_CPU_BF16");
    return v != nullptr && std::strcmp(v, "0") == 0;
  }();
  return off;
}

// Set by torch.autocast on the thread that runs a training step's forward (autocast is per thread in libtorch too).
thread_local bool bf16_gemm_active = false;

std::atomic<bool>& onednn_switch() {
  static std::atomic<bool> enabled{[] {
    const char* v = std::getenv("IMBFAIR_ONEDNN_GEMM");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }()};
  return enabled;
}

// A 2-D operand as oneDNN reads it: 'N' with rows contiguous (stride (ld, 1)), 'T' with columns contiguous.
struct Operand {
  char trans;
  int64_t ld;
};

bool operand(const at::Tensor& t, Operand& op) {
  const int64_t rows = t.size(0), cols = t.size(1);
  if (t.stride(1) == 1 && t.stride(0) >= std::max<int64_t>(1, cols)) {
    op = {'N', t.stride(0)};
    return true;
  }
  if (t.stride(0) == 1 && t.stride(1) >= std::max<int64_t>(1, rows)) {
    op = {'T', t.stride(1)};
    return true;
  }
  return false;
}

}  // namespace

bool onednn_gemm_enabled() { return dnnl_sgemm() != nullptr && onednn_switch().load(std::memory_order_relaxed); }

const char* bf16_gemm_missing() {
  static const bool cpu = cpu_has_bf16();
  if (bf16_switched_off()) return "IMBFAIR_CPU_BF16=0 switches them off";
  if (!native_kernels_enabled()) return "the shim's kernels that run them are off (IMBFAIR_NATIVE_KERNELS=0 or torch.set_native_kernels(false))";
  if (dnnl_gemm_bf16() == nullptr) return "this libtorch carries no oneDNN bf16 GEMM (dnnl_gemm_bf16bf16f32)";
  if (!cpu) return "this CPU has neither";
  return nullptr;
}

bool bf16_gemm_supported() { return bf16_gemm_missing() == nullptr; }

bool bf16_gemm_active_here() { return bf16_gemm_active && bf16_gemm_supported(); }

bool set_bf16_gemm_active(bool on) {
  const bool previous = bf16_gemm_active;
  bf16_gemm_active = on;
  return previous;
}

bool onednn_gemm_bf16(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const c10::optional<at::Tensor>& bias) {
  TORCH_CHECK(a.scalar_type() == at::kBFloat16 && b.scalar_type() == at::kBFloat16 && out.scalar_type() == at::kFloat &&
                  a.dim() == 2 && b.dim() == 2 && out.is_contiguous(),
              "bf16 GEMM: bf16 operands and a contiguous float32 output expected");
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  if (M == 0 || N == 0) return true;
  Operand oa, ob;
  if (K == 0 || !operand(a, oa) || !operand(b, ob)) return false;
  float beta = 0.f;
  if (bias.has_value()) {
    out.copy_(bias->expand({M, N}));
    beta = 1.f;
  }
  const int status = dnnl_gemm_bf16()(oa.trans, ob.trans, M, N, K, 1.f, reinterpret_cast<const uint16_t*>(a.data_ptr()),
                                      oa.ld, reinterpret_cast<const uint16_t*>(b.data_ptr()), ob.ld, beta,
                                      out.data_ptr<float>(), N);
  TORCH_CHECK(status == 0, "oneDNN bf16 GEMM failed with status ", status);
  return true;
}

bool onednn_gemm(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const c10::optional<at::Tensor>& bias) {
  if (!onednn_gemm_enabled() || a.scalar_type() != at::kFloat || b.scalar_type() != at::kFloat ||
      out.scalar_type() != at::kFloat || a.dim() != 2 || b.dim() != 2 || !out.is_contiguous()) {
    return false;
  }
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  if (M == 0 || N == 0 || K == 0) return false;
  Operand oa, ob;
  if (!operand(a, oa) || !operand(b, ob)) return false;
  float beta = 0.f;
  if (bias.has_value()) {
    out.copy_(bias->expand({M, N}));
    beta = 1.f;
  }
  const int status = dnnl_sgemm()(oa.trans, ob.trans, M, N, K, 1.f, a.data_ptr<float>(), oa.ld,
                                  b.data_ptr<float>(), ob.ld, beta, out.data_ptr<float>(), N);
  TORCH_CHECK(status == 0, "oneDNN sgemm failed with status ", status);
  return true;
}

}  // namespace imbf

IMBF_EXPORT void imbf_set_onednn_gemm(uint8_t on) { imbf::onednn_switch().store(on != 0); }

// Why bf16 GEMMs do not run here (which requirement is missing), or null where they do.
IMBF_EXPORT const char* imbf_cpu_bf16_missing() { return imbf::bf16_gemm_missing(); }

// Which GEMM float32 linear layers use: "onednn", or "blas" (libtorch's BLAS) when oneDNN is off or missing.
IMBF_EXPORT const char* imbf_gemm_backend() { return imbf::onednn_gemm_enabled() ? "onednn" : "blas"; }

// OpenBLAS's name for the kernels it chose at load time (e.g. "Haswell", "SkylakeX"), or null when the loaded BLAS
// is not OpenBLAS.
IMBF_EXPORT const char* imbf_blas_core_name() {
  typedef char* (*corename_fn)();
  auto fn = reinterpret_cast<corename_fn>(imbf::find_openblas_symbol("openblas_get_corename"));
  return fn ? fn() : nullptr;
}
