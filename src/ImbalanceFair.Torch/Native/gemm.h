// Where the float32 GEMMs of linear layers run: oneDNN's sgemm when the loaded libtorch carries oneDNN (gemm.cpp).
#pragma once
#include <ATen/ATen.h>

namespace imbf {

// Whether float32 GEMMs go to oneDNN: on x86-64 when libtorch's oneDNN (libdnnl) is loaded and exports dnnl_sgemm,
// unless IMBFAIR_ONEDNN_GEMM=0 when the shim loads or imbf_set_onednn_gemm(0) since.
bool onednn_gemm_enabled();

// out = a · b (+ bias, broadcast over rows) with oneDNN's sgemm on the calling thread, for 2-D float32 CPU tensors
// whose rows or columns are contiguous and out contiguous. Returns false, computing nothing, when it does not apply.
bool onednn_gemm(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const c10::optional<at::Tensor>& bias);

}  // namespace imbf
