// The run-time switch of the shim's own CPU kernels (kernels.h).
#include "kernels.h"

#include "imbf.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cstdlib>
#include <cstring>

namespace imbf {

std::atomic<bool>& native_kernels_switch() {
  static std::atomic<bool> enabled{[] {
    const char* v = std::getenv("IMBFAIR_NATIVE_KERNELS");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }()};
  return enabled;
}

bool cpu_autocast_enabled() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::is_autocast_enabled(at::kCPU);
#else
  return at::autocast::is_cpu_enabled();
#endif
}

}  // namespace imbf

IMBF_EXPORT void imbf_set_native_kernels(uint8_t on) { imbf::native_kernels_switch().store(on != 0); }
IMBF_EXPORT uint8_t imbf_native_kernels() { return imbf::native_kernels_enabled() ? 1 : 0; }
