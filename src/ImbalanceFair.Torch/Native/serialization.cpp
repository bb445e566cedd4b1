// Raw host memory of tensors, for the safetensors reader and writer: file bytes go straight into (and
// out of) a tensor's storage, with no intermediate managed copy.
#include "imbf.h"

using namespace imbf;

// The address of the first element of a contiguous CPU tensor (nullptr when it has no elements).
// The pointer stays valid while the tensor is alive and not resized.
IMBF_EXPORT int32_t imbf_host_data_ptr(THandle t, void** out) {
  return guard([&] {
    TORCH_CHECK(t->device().is_cpu(), "host_data_ptr: the tensor is on ", t->device(), ", not the CPU");
    TORCH_CHECK(t->is_contiguous(), "host_data_ptr: the tensor is not contiguous");
    *out = t->numel() == 0 ? nullptr : t->data_ptr();
  });
}
