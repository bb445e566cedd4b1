// Linear layers with the GEMM split over libtorch's threads, each slice on oneDNN or a single-threaded BLAS (linear.cpp).
#pragma once
#include <ATen/ATen.h>

namespace imbf {

// Whether parallel_linear computes x Wᵀ + b for these inputs: CPU float32/float64, x [..., K] with enough rows,
// and either float32 with oneDNN (gemm.h), or libtorch on two or more threads and OpenBLAS pinned to one thread.
bool parallel_linear_applies(const at::Tensor& x, const at::Tensor& w, const at::Tensor* b);

// x Wᵀ + b (b may be null), differentiable in x, W and b.
at::Tensor parallel_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor* b);

}  // namespace imbf
