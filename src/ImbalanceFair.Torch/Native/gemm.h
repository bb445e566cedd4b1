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

// bf16 GEMMs in hardware through oneDNN: the CPU has AVX512_BF16 or AMX-BF16, libtorch carries oneDNN, the shim's
// kernels are on and IMBFAIR_CPU_BF16 is not 0. bf16_gemm_missing: which of these is not so, in words, or null.
const char* bf16_gemm_missing();
bool bf16_gemm_supported();

// Whether float32 linear layers called on this thread compute their GEMMs in bf16 (torch.autocast on the CPU).
bool bf16_gemm_active_here();

// Turns bf16 GEMMs on or off for this thread (torch.autocast's CPU side); returns the previous state.
bool set_bf16_gemm_active(bool on);

// out (float32, contiguous) = a · b (+ bias) with bf16 a and b, float32 accumulation. False when an operand's layout
// is not one oneDNN reads.
bool onednn_gemm_bf16(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const c10::optional<at::Tensor>& bias);

}  // namespace imbf
