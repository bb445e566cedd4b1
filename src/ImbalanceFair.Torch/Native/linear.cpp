// nn.functional.linear on the CPU: the GEMMs split over libtorch's intra-op threads, each slice computed by
// oneDNN's sgemm (float32, gemm.cpp) or by a single-threaded BLAS call.
//
// imbfair pins OpenBLAS to one thread (torch.set_blas_num_threads(1), TorchRuntime): OpenBLAS's own pool
// beside libtorch's OpenMP threads oversubscribes the cores wherever libtorch already parallelises around its
// BLAS calls (convolutions). But libtorch does not parallelise around the GEMM of a linear layer: at::linear is
// one addmm, one BLAS call, so with OpenBLAS on one thread every linear layer (forward and both backward GEMMs)
// runs on one core while the other intra-op threads wait. In the train benchmark those GEMMs were over half of
// a ViT training step. Here the GEMMs are split over libtorch's intra-op threads (at::parallel_for), each slice
// one single-threaded BLAS call: the output rows for y = x Wᵀ + b and dx = dy W, the rows of dW = dyᵀ x.
// Each slice's BLAS call sums over the same inner dimension in the same order whatever the slicing, and the
// slices do not depend on which thread runs them, so results repeat run to run (tests check this across
// thread counts). backward with create_graph takes ATen's differentiable ops instead (a second derivative).
// float32 slices go to oneDNN where libtorch carries it (gemm.cpp: 2-5x the BLAS's speed on AVX-512 machines);
// float64, and float32 without oneDNN, to the BLAS. Under torch.autocast on a CPU with bf16 instructions, float32
// layers compute their GEMMs from bf16-rounded operands with float32 accumulation (oneDNN's bf16 GEMM), forward and
// backward: what CUDA autocast does to a linear layer, with the output and gradients kept float32.
#include "linear.h"
#include "gemm.h"
#include "kernels.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

namespace imbf {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

typedef int (*get_threads_fn)();

// openblas_get_num_threads of the OpenBLAS libtorch loaded (looked up once: linear layers call this every step).
get_threads_fn openblas_threads_fn() {
  static const auto fn = reinterpret_cast<get_threads_fn>(find_openblas_symbol("openblas_get_num_threads"));
  return fn;
}

// Rows per parallel task: about one slice per thread, but none so small that the BLAS call overhead dominates.
int64_t grain(int64_t rows) {
  const int64_t threads = at::get_num_threads();
  return std::max<int64_t>(32, (rows + threads - 1) / threads);
}

// out[r] = a[r] · b (+ bias) for the rows r of a, in parallel slices of rows. bf16 a and b (bf16 GEMMs): float32 out.
void mm_rows(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const c10::optional<at::Tensor>& bias) {
  const int64_t rows = a.size(0);
  const bool bf16 = a.scalar_type() == at::kBFloat16;
  at::parallel_for(0, rows, grain(rows), [&](int64_t begin, int64_t end) {
    // Grad mode is per thread and on by default in OpenMP's workers: out= ops would refuse inputs that require grad.
    at::NoGradGuard no_grad;
    auto o = out.narrow(0, begin, end - begin);
    auto s = a.narrow(0, begin, end - begin);
    if (bf16) {
      if (onednn_gemm_bf16(o, s, b, bias)) return;
      // A layout oneDNN does not read: the same rounded operands through the float32 path, the same products.
      s = s.to(at::kFloat);
      if (bias.has_value()) {
        at::addmm_out(o, *bias, s, b.to(at::kFloat));
      } else {
        at::mm_out(o, s, b.to(at::kFloat));
      }
      return;
    }
    if (onednn_gemm(o, s, b, bias)) return;
    if (bias.has_value()) {
      at::addmm_out(o, *bias, s, b);
    } else {
      at::mm_out(o, s, b);
    }
  });
}

// A GEMM operand as the route takes it: as is, or rounded to bf16 (round to nearest even, as ATen converts).
at::Tensor operand(const at::Tensor& t, bool bf16) { return bf16 ? t.to(at::kBFloat16) : t; }

class ParallelLinear : public torch::autograd::Function<ParallelLinear> {
 public:
  // x2 [M, K] contiguous, w [N, K]; returns [M, N]. bf16: the three GEMMs take bf16-rounded operands (the backward
  // too, as autocast's would) and accumulate in float32; the output and the gradients stay float32.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x2, const at::Tensor& w,
                            const c10::optional<at::Tensor>& bias, bool bf16) {
    auto out = at::empty({x2.size(0), w.size(0)}, x2.options());
    mm_rows(out, operand(x2, bf16), operand(w, bf16).t(), bias);
    ctx->save_for_backward({x2, w});
    ctx->saved_data["bias"] = bias.has_value();
    ctx->saved_data["bf16"] = bf16;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &x2 = saved[0], &w = saved[1];
    auto g = grads[0].contiguous();
    at::Tensor dx, dw, db;
    if (at::GradMode::is_enabled()) {
      // backward(create_graph: true): the split GEMMs below record no graph, so the gradient would be a constant
      // to a second backward. The same products from ATen ops are differentiable (in float32, bf16 or not).
      if (ctx->needs_input_grad(0)) dx = at::mm(g, w);
      if (ctx->needs_input_grad(1)) dw = at::mm(g.t(), x2);
      if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) db = g.sum(0);
      return {dx, dw, db, at::Tensor()};
    }
    const bool bf16 = ctx->saved_data["bf16"].toBool();
    const auto gb = operand(g, bf16);
    if (ctx->needs_input_grad(0)) {
      dx = at::empty_like(x2, at::MemoryFormat::Contiguous);
      mm_rows(dx, gb, operand(w, bf16), c10::nullopt);  // dx = dy W
    }
    if (ctx->needs_input_grad(1)) {
      dw = at::empty({w.size(0), w.size(1)}, w.options());
      auto gt = gb.t();  // [N, M]: row n of dW is column n of dy against x
      mm_rows(dw, gt, operand(x2, bf16), c10::nullopt);  // dW = dyᵀ x
    }
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) {
      db = g.sum(0);
    }
    return {dx, dw, db, at::Tensor()};
  }
};

}  // namespace

bool parallel_linear_applies(const at::Tensor& x, const at::Tensor& w, const at::Tensor* b) {
  if (!native_kernels_enabled() || at::in_parallel_region()) return false;
  if (!x.device().is_cpu() || !w.device().is_cpu() || (b && !b->device().is_cpu())) return false;
  if (x.layout() != at::kStrided || w.layout() != at::kStrided || (b && b->layout() != at::kStrided)) return false;
  // CPU autocast would run at::linear in bf16; imbfair enables autocast only on CUDA, but the caller's choice wins.
  if (cpu_autocast_enabled()) return false;
  const auto dt = x.scalar_type();
  if ((dt != at::kFloat && dt != at::kDouble) || w.scalar_type() != dt || (b && b->scalar_type() != dt)) return false;
  if (x.dim() < 2 || w.dim() != 2 || x.size(-1) != w.size(1) || (b && (b->dim() != 1 || b->size(0) != w.size(0)))) {
    return false;
  }
  // bf16 GEMMs take every float32 linear layer, whatever its size, so that one precision holds for the whole model.
  if (dt == at::kFloat && bf16_gemm_active_here()) return true;
  // Only where a split pays: at least two slices' worth of rows and a few hundred kFLOP each.
  const int64_t rows = x.numel() / x.size(-1);
  if (rows < 64 || rows * w.size(0) * w.size(1) < (int64_t{1} << 20)) return false;
  // float32 with oneDNN: its kernels beat libtorch's BLAS call on one thread too.
  if (dt == at::kFloat && onednn_gemm_enabled()) return true;
  // Otherwise only where OpenBLAS runs each call on one thread (imbfair's setting) on two or more intra-op threads;
  // a threaded BLAS splits the GEMM itself.
  auto threads = openblas_threads_fn();
  return at::get_num_threads() >= 2 && threads != nullptr && threads() == 1;
}

at::Tensor parallel_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor* b) {
  auto x2 = x.reshape({-1, x.size(-1)}).contiguous();
  const bool bf16 = x.scalar_type() == at::kFloat && bf16_gemm_active_here();
  auto out = ParallelLinear::apply(x2, w, b ? c10::optional<at::Tensor>(*b) : c10::nullopt, bf16);
  auto sizes = x.sizes().vec();
  sizes.back() = w.size(0);
  return out.view(sizes);
}

}  // namespace imbf
