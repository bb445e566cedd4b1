// Threading knobs for training loops (the optimizers themselves are managed code over in-place ops).
//
// OpenBLAS: Debian's libtorch calls BLAS through libblas.so.3, which is OpenBLAS when
// libopenblas0-pthread is installed. The pthread OpenBLAS keeps its own thread pool (one thread per
// core by default, OPENBLAS_NUM_THREADS at load time), which at::set_num_threads does not touch: a
// convolution's per-sample GEMMs then run OpenBLAS threads inside libtorch's OpenMP threads, and the
// spinning pools oversubscribe the cores. These entry points let the host choose OpenBLAS's thread
// count at run time. The library is looked up among the already loaded objects (RTLD_NOLOAD), so with
// another BLAS (MKL inside a PyTorch wheel, reference BLAS) they report "not available" and do nothing.
#include "imbf.h"
#include "kernels.h"

#include <dlfcn.h>

namespace {
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)();
}  // namespace

void* imbf::find_openblas_symbol(const char* symbol) {
  static const char* const libraries[] = {"libopenblas.so.0", "libblas.so.3", "libopenblas.so", "libopenblasp.so.0"};
  for (const char* name : libraries) {
    void* handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    void* fn = dlsym(handle, symbol);
    dlclose(handle);  // only drops the reference NOLOAD added: the library stays loaded
    if (fn) return fn;
  }
  return nullptr;
}

// The OpenBLAS thread count, or -1 when the loaded BLAS is not OpenBLAS.
IMBF_EXPORT int32_t imbf_blas_get_num_threads() {
  auto fn = reinterpret_cast<get_threads_fn>(imbf::find_openblas_symbol("openblas_get_num_threads"));
  return fn ? static_cast<int32_t>(fn()) : -1;
}

// Sets the OpenBLAS thread count; returns 0, or -1 (no error set) when the loaded BLAS is not OpenBLAS.
IMBF_EXPORT int32_t imbf_blas_set_num_threads(int32_t n) {
  auto fn = reinterpret_cast<set_threads_fn>(imbf::find_openblas_symbol("openblas_set_num_threads"));
  if (!fn) return -1;
  fn(static_cast<int>(n));
  return 0;
}
