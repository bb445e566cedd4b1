// Fused CPU attention for libtorch 1.13 (attention.cpp).
#pragma once
#include <ATen/ATen.h>

namespace imbf {

// Whether fused_attention computes softmax(q kᵀ/√d [causal]) v for these inputs: CPU float32/float64, 2-4
// dimensions with the same leading dimensions on q, k and v, no mask and no dropout.
bool fused_attention_applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool has_mask,
                             double dropout_p);

// softmax(q kᵀ/√d) v with an optional causal mask (top-left aligned), differentiable.
at::Tensor fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal);

}  // namespace imbf
