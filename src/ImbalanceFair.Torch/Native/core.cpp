// Tensor lifetime, metadata, host transfers, autograd switches and runtime queries.
#include "imbf.h"
#include "gemm.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <atomic>
#include <cstring>
#include <torch/version.h>
#if defined(IMBF_WITH_CUDA)
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace {
thread_local std::string g_error;
thread_local bool g_has_error = false;
std::atomic<int64_t> g_live{0};
}  // namespace

namespace imbf {
void set_error(const char* message) {
  g_error = message ? message : "";
  g_has_error = true;
}
void clear_error() {
  g_error.clear();
  g_has_error = false;
}
THandle wrap(at::Tensor t) {
  g_live.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(std::move(t));
}
}  // namespace imbf

using namespace imbf;

// ---- errors and lifetime --------------------------------------------------------------------
IMBF_EXPORT const char* imbf_last_error() { return g_has_error ? g_error.c_str() : nullptr; }
IMBF_EXPORT void imbf_clear_error() { clear_error(); }
IMBF_EXPORT int64_t imbf_live_tensors() { return g_live.load(); }
IMBF_EXPORT void imbf_free(THandle t) {
  if (t) {
    delete t;
    g_live.fetch_sub(1, std::memory_order_relaxed);
  }
}

// ---- metadata -------------------------------------------------------------------------------
IMBF_EXPORT int32_t imbf_dim(THandle t) { return static_cast<int32_t>(t->dim()); }
IMBF_EXPORT int32_t imbf_shape(THandle t, int64_t* out) {
  return guard([&] {
    auto s = t->sizes();
    std::copy(s.begin(), s.end(), out);
  });
}
IMBF_EXPORT int32_t imbf_dtype(THandle t) { return static_cast<int32_t>(t->scalar_type()); }
IMBF_EXPORT int32_t imbf_device_type(THandle t) { return t->is_cuda() ? 1 : 0; }
IMBF_EXPORT int32_t imbf_device_index(THandle t) { return t->is_cuda() ? t->device().index() : -1; }
IMBF_EXPORT int64_t imbf_numel(THandle t) { return t->numel(); }
IMBF_EXPORT int64_t imbf_element_size(THandle t) { return static_cast<int64_t>(t->element_size()); }
IMBF_EXPORT uint8_t imbf_is_contiguous(THandle t) { return t->is_contiguous(); }

// ---- host transfers -------------------------------------------------------------------------
// One memcpy in each direction: no per-element loops on either side.
IMBF_EXPORT THandle imbf_from_blob(const void* data, const int64_t* dims, int32_t ndim, int32_t dt, int32_t dev_type,
                                   int32_t dev_index) {
  return guard_t([&] {
    auto t = at::empty(shape(dims, ndim), at::TensorOptions().dtype(dtype(dt)));
    std::memcpy(t.data_ptr(), data, static_cast<size_t>(t.nbytes()));
    auto dev = device(dev_type, dev_index);
    return dev.is_cpu() ? t : t.to(dev);
  });
}
IMBF_EXPORT int32_t imbf_copy_to_host(THandle t, void* dst, int64_t nbytes) {
  return guard([&] {
    auto c = t->detach().to(at::kCPU).contiguous();
    TORCH_CHECK(static_cast<int64_t>(c.nbytes()) == nbytes, "copy_to_host: destination holds ", nbytes,
                " bytes but the tensor has ", c.nbytes());
    std::memcpy(dst, c.data_ptr(), static_cast<size_t>(nbytes));
  });
}
IMBF_EXPORT int32_t imbf_item_double(THandle t, double* out) {
  return guard([&] { *out = t->item<double>(); });
}
IMBF_EXPORT int32_t imbf_item_long(THandle t, int64_t* out) {
  return guard([&] { *out = t->item<int64_t>(); });
}
IMBF_EXPORT THandle imbf_to(THandle t, int32_t dt, int32_t dev_type, int32_t dev_index, uint8_t copy) {
  return guard_t([&] { return t->to(device(dev_type, dev_index), dtype(dt), /*non_blocking=*/false, copy != 0); });
}
IMBF_EXPORT THandle imbf_clone(THandle t) {
  return guard_t([&] { return t->clone(); });
}
IMBF_EXPORT THandle imbf_contiguous(THandle t) {
  return guard_t([&] { return t->contiguous(); });
}
IMBF_EXPORT THandle imbf_alias(THandle t) {
  return guard_t([&] { return at::Tensor(*t); });
}

// ---- autograd -------------------------------------------------------------------------------
IMBF_EXPORT uint8_t imbf_requires_grad(THandle t) { return t->requires_grad(); }
IMBF_EXPORT int32_t imbf_set_requires_grad(THandle t, uint8_t on) {
  return guard([&] { t->set_requires_grad(on != 0); });
}
IMBF_EXPORT int32_t imbf_backward(THandle t, THandle grad, uint8_t retain_graph, uint8_t create_graph) {
  return guard([&] {
    t->backward(grad ? *grad : at::Tensor(), retain_graph != 0 ? c10::optional<bool>(true) : c10::nullopt,
                create_graph != 0);
  });
}
// The gradient, or nullptr in *out when none was accumulated (not an error).
IMBF_EXPORT int32_t imbf_grad(THandle t, THandle* out) {
  return guard([&] {
    const auto& g = t->grad();
    *out = g.defined() ? wrap(g) : nullptr;
  });
}
IMBF_EXPORT int32_t imbf_zero_grad(THandle t, uint8_t set_to_none) {
  return guard([&] {
    auto& g = t->mutable_grad();
    if (!g.defined()) return;
    if (set_to_none) {
      g.reset();
    } else {
      g.detach_();
      g.zero_();
    }
  });
}
IMBF_EXPORT THandle imbf_detach(THandle t) {
  return guard_t([&] { return t->detach(); });
}
IMBF_EXPORT uint8_t imbf_is_grad_enabled() { return at::GradMode::is_enabled(); }
IMBF_EXPORT void imbf_set_grad_enabled(uint8_t on) { at::GradMode::set_enabled(on != 0); }

// ---- runtime --------------------------------------------------------------------------------
IMBF_EXPORT const char* imbf_torch_version() { return TORCH_VERSION; }
IMBF_EXPORT int32_t imbf_manual_seed(uint64_t seed) {
  return guard([&] {
    at::manual_seed(seed);
  });
}
IMBF_EXPORT void imbf_set_num_threads(int32_t n) { at::set_num_threads(n); }
IMBF_EXPORT int32_t imbf_get_num_threads() { return at::get_num_threads(); }
IMBF_EXPORT uint8_t imbf_cuda_is_available() {
#if defined(IMBF_WITH_CUDA)
  return at::cuda::is_available();
#else
  return at::hasCUDA();
#endif
}
IMBF_EXPORT int32_t imbf_cuda_device_count() {
#if defined(IMBF_WITH_CUDA)
  return static_cast<int32_t>(at::cuda::device_count());
#else
  return 0;
#endif
}
IMBF_EXPORT int32_t imbf_cuda_synchronize(int32_t index) {
  return guard([&] {
#if defined(IMBF_WITH_CUDA)
    if (index < 0) index = at::cuda::current_device();
    c10::cuda::CUDAGuard g(static_cast<c10::DeviceIndex>(index));
    at::cuda::device_synchronize();
#else
    TORCH_CHECK(false, "this imbfair shim was built without CUDA");
#endif
  });
}
// Peak bytes allocated by the caching allocator (not what nvidia-smi shows: freed blocks stay reserved).
// Guarded like every entry point that can throw: a bad index is a libtorch error, not a crash through the C ABI.
IMBF_EXPORT int32_t imbf_cuda_max_memory_allocated(int32_t index, int64_t* out) {
  return guard([&] {
#if defined(IMBF_WITH_CUDA)
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
    *out = stats.allocated_bytes[static_cast<size_t>(c10::cuda::CUDACachingAllocator::StatType::AGGREGATE)].peak;
#else
    *out = 0;
#endif
  });
}

// bf16 autocast: libtorch's on CUDA (the device-generic API arrived in 2.4; before it, at::autocast::set_enabled with
// a separate dtype setter), and on the CPU the shim's bf16 GEMMs for float32 linear layers (gemm.h; libtorch 1.13's CPU
// autocast would also turn convolutions and attention's matmuls to bf16 and keep their outputs bf16).
// previous: bit 0 CUDA autocast, bit 1 the CPU's bf16 GEMMs, as they were before.
IMBF_EXPORT int32_t imbf_autocast_enter(uint8_t* previous) {
  return guard([&] {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    uint8_t cuda = at::autocast::is_autocast_enabled(at::kCUDA);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    uint8_t cuda = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
#endif
    at::autocast::increment_nesting();
    *previous = static_cast<uint8_t>(cuda | (imbf::set_bf16_gemm_active(true) ? 2 : 0));
  });
}
IMBF_EXPORT int32_t imbf_autocast_exit(uint8_t previous) {
  return guard([&] {
    imbf::set_bf16_gemm_active((previous & 2) != 0);
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, (previous & 1) != 0);
#else
    at::autocast::set_enabled((previous & 1) != 0);
#endif
  });
}

// Replaces the data of t in place (param.data = new), keeping the managed object and autograd leaf identity.
IMBF_EXPORT int32_t imbf_set_data(THandle t, THandle data) {
  return guard([&] { t->set_data(*data); });
}
