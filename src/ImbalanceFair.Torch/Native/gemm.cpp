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

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace imbf {
namespace {

// oneDNN's C API (dnnl.h), row-major: C = alpha · op(A) · op(B) + beta · C. Declared here: Debian ships no
// libdnnl headers with libtorch, and the symbol is looked up at run time so that a libtorch without oneDNN works.
typedef int (*dnnl_sgemm_fn)(char transa, char transb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                             int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

dnnl_sgemm_fn find_dnnl_sgemm() {
#if defined(__x86_64__)
  static const char* const libraries[] = {"libdnnl.so.2", "libdnnl.so.3", "libdnnl.so", "libmkldnn.so.1"};
  for (const char* name : libraries) {
    void* handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    void* fn = dlsym(handle, "dnnl_sgemm");
    dlclose(handle);  // only drops the reference NOLOAD added: the library stays loaded
    if (fn) return reinterpret_cast<dnnl_sgemm_fn>(fn);
  }
  // A libtorch that links oneDNN statically (PyTorch's wheels) may still export it from libtorch_cpu.
  if (void* fn = dlsym(RTLD_DEFAULT, "dnnl_sgemm")) return reinterpret_cast<dnnl_sgemm_fn>(fn);
#endif
  return nullptr;
}

dnnl_sgemm_fn dnnl_sgemm() {
  static const dnnl_sgemm_fn fn = find_dnnl_sgemm();
  return fn;
}

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

// Which GEMM float32 linear layers use: "onednn", or "blas" (libtorch's BLAS) when oneDNN is off or missing.
IMBF_EXPORT const char* imbf_gemm_backend() { return imbf::onednn_gemm_enabled() ? "onednn" : "blas"; }

// OpenBLAS's name for the kernels it chose at load time (e.g. "Haswell", "SkylakeX"), or null when the loaded BLAS
// is not OpenBLAS.
IMBF_EXPORT const char* imbf_blas_core_name() {
  typedef char* (*corename_fn)();
  auto fn = reinterpret_cast<corename_fn>(imbf::find_openblas_symbol("openblas_get_corename"));
  return fn ? fn() : nullptr;
}
