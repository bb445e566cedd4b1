// Linear algebra and neural-network functions (torch.nn.functional).
#include "imbf.h"
#include "attention.h"
#include "linear.h"

#include <torch/version.h>

using namespace imbf;

IMBF_EXPORT THandle imbf_matmul(THandle a, THandle b) {
  return guard_t([&] { return at::matmul(*a, *b); });
}
IMBF_EXPORT THandle imbf_mm(THandle a, THandle b) {
  return guard_t([&] { return at::mm(*a, *b); });
}
IMBF_EXPORT THandle imbf_bmm(THandle a, THandle b) {
  return guard_t([&] { return at::bmm(*a, *b); });
}
IMBF_EXPORT THandle imbf_einsum(const char* equation, const THandle* xs, int32_t n) {
  return guard_t([&] { return at::einsum(equation, tensors(xs, n)); });
}
IMBF_EXPORT THandle imbf_linear(THandle x, THandle w, THandle b) {
  return guard_t([&] {
    // With OpenBLAS on one thread, at::linear's GEMM would use one core: linear.cpp splits it over the threads.
    return parallel_linear_applies(*x, *w, b) ? parallel_linear(*x, *w, b) : at::linear(*x, *w, optional(b));
  });
}
IMBF_EXPORT THandle imbf_conv2d(THandle x, THandle w, THandle b, int64_t stride_h, int64_t stride_w, int64_t pad_h,
                                int64_t pad_w, int64_t dil_h, int64_t dil_w, int64_t groups) {
  return guard_t([&] {
    return at::conv2d(*x, *w, optional(b), {stride_h, stride_w}, {pad_h, pad_w}, {dil_h, dil_w}, groups);
  });
}
IMBF_EXPORT THandle imbf_max_pool2d(THandle x, int64_t k, int64_t stride, int64_t pad) {
  return guard_t([&] { return at::max_pool2d(*x, {k, k}, {stride, stride}, {pad, pad}); });
}
IMBF_EXPORT THandle imbf_avg_pool2d(THandle x, int64_t k, int64_t stride, int64_t pad) {
  return guard_t([&] { return at::avg_pool2d(*x, {k, k}, {stride, stride}, {pad, pad}); });
}
IMBF_EXPORT THandle imbf_adaptive_avg_pool2d(THandle x, int64_t h, int64_t w) {
  return guard_t([&] { return at::adaptive_avg_pool2d(*x, {h, w}); });
}
IMBF_EXPORT THandle imbf_batch_norm(THandle x, THandle w, THandle b, THandle running_mean, THandle running_var,
                                    uint8_t training, double momentum, double eps) {
  return guard_t([&] {
    return at::batch_norm(*x, optional(w), optional(b), optional(running_mean), optional(running_var), training != 0,
                          momentum, eps, /*cudnn_enabled=*/true);
  });
}
IMBF_EXPORT THandle imbf_layer_norm(THandle x, const int64_t* normalized, int32_t n, THandle w, THandle b, double eps) {
  return guard_t([&] { return at::layer_norm(*x, shape(normalized, n), optional(w), optional(b), eps); });
}
IMBF_EXPORT THandle imbf_group_norm(THandle x, int64_t groups, THandle w, THandle b, double eps) {
  return guard_t([&] { return at::group_norm(*x, groups, optional(w), optional(b), eps); });
}
IMBF_EXPORT THandle imbf_softmax(THandle x, int64_t dim) {
  return guard_t([&] { return at::softmax(*x, dim); });
}
IMBF_EXPORT THandle imbf_log_softmax(THandle x, int64_t dim) {
  return guard_t([&] { return at::log_softmax(*x, dim); });
}
IMBF_EXPORT THandle imbf_dropout(THandle x, double p, uint8_t train) {
  return guard_t([&] { return at::dropout(*x, p, train != 0); });
}
IMBF_EXPORT THandle imbf_embedding(THandle weight, THandle indices) {
  return guard_t([&] { return at::embedding(*weight, *indices); });
}

// Scaled dot-product attention over [..., L, E] tensors. libtorch 2.0 made it public (and 2.2 fused it on
// the CPU); 1.13 has the private math kernel, which returns (output, weights) and runs its bmms one
// (batch, head) matrix at a time, so on the CPU without a mask or dropout the shim's fused kernel
// (attention.cpp) computes it instead.
IMBF_EXPORT THandle imbf_sdpa(THandle q, THandle k, THandle v, THandle mask, double dropout_p, uint8_t causal) {
  return guard_t([&] {
#if TORCH_VERSION_MAJOR >= 2
    return at::scaled_dot_product_attention(*q, *k, *v, optional(mask), dropout_p, causal != 0);
#else
    if (fused_attention_applies(*q, *k, *v, mask != nullptr, dropout_p)) {
      return fused_attention(*q, *k, *v, causal != 0);
    }
    return std::get<0>(at::_scaled_dot_product_attention(*q, *k, *v, optional(mask), dropout_p, false, causal != 0));
#endif
  });
}

// reduction: 0 none, 1 mean, 2 sum (at::Reduction).
IMBF_EXPORT THandle imbf_cross_entropy(THandle logits, THandle target, THandle weight, int64_t reduction,
                                       int64_t ignore_index, double label_smoothing) {
  return guard_t([&] {
    return at::cross_entropy_loss(*logits, *target, optional(weight), reduction, ignore_index, label_smoothing);
  });
}
IMBF_EXPORT THandle imbf_nll_loss(THandle logp, THandle target, THandle weight, int64_t reduction,
                                  int64_t ignore_index) {
  return guard_t([&] { return at::nll_loss_nd(*logp, *target, optional(weight), reduction, ignore_index); });
}
IMBF_EXPORT THandle imbf_mse_loss(THandle a, THandle b, int64_t reduction) {
  return guard_t([&] { return at::mse_loss(*a, *b, reduction); });
}
IMBF_EXPORT THandle imbf_normalize(THandle x, double p, int64_t dim, double eps) {
  return guard_t([&] {
    // torch.nn.functional.normalize: x / max(||x||_p, eps)
    return *x / at::norm(*x, p, {dim}, true).clamp_min(eps).expand_as(*x);
  });
}
// mode: 0 bilinear, 1 nearest, 2 bicubic, 3 area.
IMBF_EXPORT THandle imbf_interpolate(THandle x, int64_t out_h, int64_t out_w, int32_t mode, uint8_t align_corners,
                                     uint8_t antialias) {
  return guard_t([&] {
    switch (mode) {
      case 0:
        return antialias ? at::_upsample_bilinear2d_aa(*x, {out_h, out_w}, align_corners != 0)
                         : at::upsample_bilinear2d(*x, {out_h, out_w}, align_corners != 0);
      case 1: return at::upsample_nearest2d(*x, {out_h, out_w});
      case 2:
        return antialias ? at::_upsample_bicubic2d_aa(*x, {out_h, out_w}, align_corners != 0)
                         : at::upsample_bicubic2d(*x, {out_h, out_w}, align_corners != 0);
      case 3: return at::adaptive_avg_pool2d(*x, {out_h, out_w});
      default: TORCH_CHECK(false, "unknown interpolation mode ", mode);
    }
  });
}
IMBF_EXPORT THandle imbf_pad(THandle x, const int64_t* pads, int32_t n, double value) {
  return guard_t([&] { return at::constant_pad_nd(*x, shape(pads, n), value); });
}
// Global L2 norm of all gradients, then scale them in place by min(1, max_norm / (norm + 1e-6)),
// as torch.nn.utils.clip_grad_norm_. Returns the total norm (before clipping) as a tensor.
IMBF_EXPORT THandle imbf_clip_grad_norm_(const THandle* params, int32_t n, double max_norm) {
  return guard_t([&] {
    std::vector<at::Tensor> norms;
    std::vector<at::Tensor> grads;
    for (int32_t i = 0; i < n; ++i) {
      const auto& g = params[i]->grad();
      if (!g.defined()) continue;
      grads.push_back(g);
      norms.push_back(at::norm(g.detach(), 2.0));
    }
    if (grads.empty()) return at::zeros({}, at::kFloat);
    auto total = at::norm(at::stack(norms), 2.0);
    auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (auto& g : grads) g.detach().mul_(coef.to(g.device()));
    return total;
  });
}
