// The switch for the shim's own CPU kernels (attention.cpp, linear.cpp), and the OpenBLAS lookup they share
// with the thread knobs (optim.cpp).
#pragma once
#include <atomic>

namespace imbf {

// On unless IMBFAIR_NATIVE_KERNELS=0 when the shim loads; imbf_set_native_kernels flips it at run time so
// that tests and benchmarks can run libtorch's own path and ours in one process. Off, every op takes
// libtorch's own path (for A/B measurements, or to rule the kernels out when results look wrong).
std::atomic<bool>& native_kernels_switch();
inline bool native_kernels_enabled() { return native_kernels_switch().load(std::memory_order_relaxed); }

// Whether CPU autocast is on for this thread: the kernels compute in the input's type, so they step aside.
bool cpu_autocast_enabled();

// A symbol of the OpenBLAS libtorch loaded, or null when the loaded BLAS is another one.
void* find_openblas_symbol(const char* symbol);

}  // namespace imbf
