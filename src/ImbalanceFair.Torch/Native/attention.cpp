// Fused scaled-dot-product attention on the CPU, for libtorch 1.13.
//
// libtorch 1.13 has no fused CPU attention: its (private) math kernel is q/√d, bmm, softmax, bmm, and
// CPU bmm without MKL runs one small BLAS call per (batch, head) matrix, one after the other, on one
// thread. For CLIP-sized blocks (a few dozen tokens, head size 16-64) that call overhead dominates: in
// the train benchmark the attention bmms were a quarter of a ViT training step. libtorch 2.2 added a
// fused CPU kernel; this is the same idea for 1.13: one pass per (batch, head) block, in parallel over
// the blocks (at::parallel_for), forward and backward, as a custom autograd Function.
//
// Each block is computed by one thread in a fixed order, so results do not depend on the thread count.
// The forward keeps the attention probabilities P [B, H, Lq, Lk] for the backward, as the math kernel's
// autograd graph does; the backward is the usual softmax-attention gradient:
//   dV = Pᵀ dO,  dP = dO Vᵀ,  dS = P ⊙ (dP − rowsum(P ⊙ dP)),  dQ = scale · dS K,  dK = scale · dSᵀ Q.
#include "attention.h"
#include "kernels.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace imbf {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// A 4-D tensor's data with its strides; the last dimension is contiguous (stride 1).
template <typename T>
struct Strided {
  T* data;
  int64_t s0, s1, s2;
  explicit Strided(const at::Tensor& t)
      : data(t.data_ptr<T>()), s0(t.stride(0)), s1(t.stride(1)), s2(t.stride(2)) {}
  T* row(int64_t b, int64_t h, int64_t i) const { return data + b * s0 + h * s1 + i * s2; }
};

// Keys visible from query row i: all of them, or 0..i with a causal mask (top-left aligned, as PyTorch's is_causal).
inline int64_t visible(int64_t i, int64_t lk, bool causal) { return causal ? std::min(i + 1, lk) : lk; }

template <typename T>
void forward_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor& out, at::Tensor& p,
                    bool causal, double scale_d) {
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), E = q.size(3), Lk = k.size(2), Ev = v.size(3);
  const Strided<T> Q(q), K(k), V(v), O(out), P(p);
  const T scale = static_cast<T>(scale_d);
  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> kt(static_cast<size_t>(E * Lk));  // this block's keys, transposed: kt[e][j]
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / H, h = bh % H;
      for (int64_t j = 0; j < Lk; ++j) {
        const T* __restrict kj = K.row(b, h, j);
        for (int64_t e = 0; e < E; ++e) kt[e * Lk + j] = kj[e];
      }
      for (int64_t i = 0; i < Lq; ++i) {
        const int64_t n = visible(i, Lk, causal);
        const T* __restrict qi = Q.row(b, h, i);
        T* __restrict s = P.row(b, h, i);
        std::fill(s, s + Lk, T(0));
        for (int64_t e = 0; e < E; ++e) {
          const T qe = qi[e] * scale;
          const T* __restrict ke = kt.data() + e * Lk;
          for (int64_t j = 0; j < n; ++j) s[j] += qe * ke[j];
        }
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t j = 0; j < n; ++j) m = std::max(m, s[j]);
        T sum = 0;
        for (int64_t j = 0; j < n; ++j) {
          s[j] = std::exp(s[j] - m);
          sum += s[j];
        }
        const T inv = T(1) / sum;
        for (int64_t j = 0; j < n; ++j) s[j] *= inv;
        T* __restrict o = O.row(b, h, i);
        std::fill(o, o + Ev, T(0));
        for (int64_t j = 0; j < n; ++j) {
          const T pj = s[j];
          const T* __restrict vj = V.row(b, h, j);
          for (int64_t e = 0; e < Ev; ++e) o[e] += pj * vj[e];
        }
      }
    }
  });
}

template <typename T>
void backward_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& p,
                     const at::Tensor& dout, at::Tensor& dq, at::Tensor& dk, at::Tensor& dv, bool causal,
                     double scale_d) {
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), E = q.size(3), Lk = k.size(2), Ev = v.size(3);
  const Strided<T> Q(q), K(k), V(v), P(p), dO(dout), dQ(dq), dK(dk), dV(dv);
  const T scale = static_cast<T>(scale_d);
  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> vt(static_cast<size_t>(Ev * Lk));  // this block's values, transposed: vt[e][j]
    std::vector<T> ds(static_cast<size_t>(Lk));
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / H, h = bh % H;
      for (int64_t j = 0; j < Lk; ++j) {
        const T* __restrict vj = V.row(b, h, j);
        for (int64_t e = 0; e < Ev; ++e) vt[e * Lk + j] = vj[e];
        std::fill(dK.row(b, h, j), dK.row(b, h, j) + E, T(0));
        std::fill(dV.row(b, h, j), dV.row(b, h, j) + Ev, T(0));
      }
      for (int64_t i = 0; i < Lq; ++i) {
        const int64_t n = visible(i, Lk, causal);
        const T* __restrict pi = P.row(b, h, i);
        const T* __restrict doi = dO.row(b, h, i);
        // dV_j += P_ij dO_i
        for (int64_t j = 0; j < n; ++j) {
          const T pij = pi[j];
          T* __restrict dvj = dV.row(b, h, j);
          for (int64_t e = 0; e < Ev; ++e) dvj[e] += pij * doi[e];
        }
        // dP_ij = dO_i · V_j
        std::fill(ds.begin(), ds.begin() + n, T(0));
        for (int64_t e = 0; e < Ev; ++e) {
          const T de = doi[e];
          const T* __restrict ve = vt.data() + e * Lk;
          for (int64_t j = 0; j < n; ++j) ds[j] += de * ve[j];
        }
        // dS_ij = P_ij (dP_ij − Σ_j P_ij dP_ij), times the scale that multiplied the scores
        T dot = 0;
        for (int64_t j = 0; j < n; ++j) dot += pi[j] * ds[j];
        for (int64_t j = 0; j < n; ++j) ds[j] = pi[j] * (ds[j] - dot) * scale;
        // dQ_i = Σ_j dS_ij K_j;  dK_j += dS_ij Q_i
        T* __restrict dqi = dQ.row(b, h, i);
        std::fill(dqi, dqi + E, T(0));
        const T* __restrict qi = Q.row(b, h, i);
        for (int64_t j = 0; j < n; ++j) {
          const T d = ds[j];
          const T* __restrict kj = K.row(b, h, j);
          T* __restrict dkj = dK.row(b, h, j);
          for (int64_t e = 0; e < E; ++e) {
            dqi[e] += d * kj[e];
            dkj[e] += d * qi[e];
          }
        }
      }
    }
  });
}

// Last dimension contiguous, as the kernels read rows.
at::Tensor rows(const at::Tensor& t) { return t.stride(-1) == 1 ? t : t.contiguous(); }

class FusedAttention : public torch::autograd::Function<FusedAttention> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& q_in, const at::Tensor& k_in,
                            const at::Tensor& v_in, bool causal) {
    auto q = rows(q_in), k = rows(k_in), v = rows(v_in);
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
    auto out = at::empty({q.size(0), q.size(1), q.size(2), v.size(3)}, q.options());
    auto p = at::empty({q.size(0), q.size(1), q.size(2), k.size(2)}, q.options());
    AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "imbf_fused_attention_forward",
                               [&] { forward_kernel<scalar_t>(q, k, v, out, p, causal, scale); });
    ctx->save_for_backward({q, k, v, p});
    ctx->saved_data["causal"] = causal;
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &p = saved[3];
    const bool causal = ctx->saved_data["causal"].toBool();
    const double scale = ctx->saved_data["scale"].toDouble();
    if (at::GradMode::is_enabled()) {
      // backward(create_graph: true): the loops record no graph, so the gradient would be a constant to a second
      // backward. The same formulas from ATen ops (P recomputed from q and k, which carry their history) are
      // differentiable.
      auto s = at::matmul(q, k.transpose(-2, -1)) * scale;
      if (causal) {
        auto future = at::ones({q.size(2), k.size(2)}, q.options().dtype(at::kBool)).triu(1);
        s = s.masked_fill(future, -std::numeric_limits<double>::infinity());
      }
      auto pr = at::softmax(s, -1);
      const auto& dO = grads[0];
      auto dp = at::matmul(dO, v.transpose(-2, -1));
      auto ds = pr * (dp - (pr * dp).sum(-1, true)) * scale;
      return {at::matmul(ds, k), at::matmul(ds.transpose(-2, -1), q), at::matmul(pr.transpose(-2, -1), dO), at::Tensor()};
    }
    auto dout = rows(grads[0]);
    auto dq = at::empty_like(q, at::MemoryFormat::Contiguous);
    auto dk = at::empty_like(k, at::MemoryFormat::Contiguous);
    auto dv = at::empty_like(v, at::MemoryFormat::Contiguous);
    AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "imbf_fused_attention_backward",
                               [&] { backward_kernel<scalar_t>(q, k, v, p, dout, dq, dk, dv, causal, scale); });
    return {dq, dk, dv, at::Tensor()};
  }
};

}  // namespace

bool fused_attention_applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool has_mask,
                             double dropout_p) {
  if (!native_kernels_enabled() || has_mask || dropout_p > 0) return false;
  if (!q.device().is_cpu() || !k.device().is_cpu() || !v.device().is_cpu()) return false;
  if (q.layout() != at::kStrided || k.layout() != at::kStrided || v.layout() != at::kStrided) return false;
  if (cpu_autocast_enabled()) return false;
  const auto dt = q.scalar_type();
  if ((dt != at::kFloat && dt != at::kDouble) || k.scalar_type() != dt || v.scalar_type() != dt) return false;
  const auto d = q.dim();
  if (d < 2 || d > 4 || k.dim() != d || v.dim() != d) return false;
  // The same leading (batch, head) dimensions on all three: no broadcasting here.
  for (int64_t i = 0; i < d - 2; ++i) {
    if (k.size(i) != q.size(i) || v.size(i) != q.size(i)) return false;
  }
  return k.size(-1) == q.size(-1) && v.size(-2) == k.size(-2) && k.size(-2) > 0 && q.size(-1) > 0 &&
         q.numel() > 0 && v.numel() > 0;
}

at::Tensor fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal) {
  // Viewed as [B, H, L, E]; the views are recorded by autograd like any other.
  const auto d = q.dim();
  auto as4 = [d](const at::Tensor& t) { return d == 4 ? t : d == 3 ? t.unsqueeze(0) : t.unsqueeze(0).unsqueeze(0); };
  auto out = FusedAttention::apply(as4(q), as4(k), as4(v), causal);
  return d == 4 ? out : d == 3 ? out.squeeze(0) : out.squeeze(0).squeeze(0);
}

}  // namespace imbf
