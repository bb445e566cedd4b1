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

// The two inner products the kernels are made of, register-blocked: each output element keeps one accumulator that
// adds its terms in the plain loop's order (no reassociation, and no FMA contraction: CMake compiles this file with
// -ffp-contract=off), so the bits are those of the straightforward loops on any instruction set. W is one 512-bit
// vector of T; a pass covers up to four of them, so the accumulators stay in registers across the reduction.
template <typename T>
constexpr int64_t kWidth = 64 / sizeof(T);

inline int64_t round_up(int64_t n, int64_t w) { return (n + w - 1) / w * w; }

// s[j] = Σ_e (q[e]·scale) · kt[e·ld + j] for j < n; kt's rows are zero-padded to ld ≥ round_up(n, W).
template <typename T, int C>
inline void scores_pass(const T* __restrict q, T scale, const T* __restrict kt, int64_t E, int64_t ld, int64_t j0,
                        int64_t n, T* __restrict s) {
  constexpr int64_t W = kWidth<T>;
  T acc[C][W] = {};
  for (int64_t e = 0; e < E; ++e) {
    const T qe = q[e] * scale;
    const T* __restrict k = kt + e * ld + j0;
    for (int c = 0; c < C; ++c)
      for (int64_t x = 0; x < W; ++x) acc[c][x] += qe * k[c * W + x];
  }
  for (int c = 0; c < C; ++c)
    for (int64_t x = 0; x < W && j0 + c * W + x < n; ++x) s[j0 + c * W + x] = acc[c][x];
}

template <typename T>
inline void scores_impl(const T* q, T scale, const T* kt, int64_t E, int64_t ld, int64_t n, T* s) {
  constexpr int64_t W = kWidth<T>;
  int64_t j0 = 0;
  for (; j0 + 4 * W <= round_up(n, W); j0 += 4 * W) scores_pass<T, 4>(q, scale, kt, E, ld, j0, n, s);
  for (; j0 < n; j0 += W) scores_pass<T, 1>(q, scale, kt, E, ld, j0, n, s);
}

// out[e] = Σ_{r < count} w[r·ws] · rows[r·rs + e] for e < width, r in increasing order.
template <typename T, int C>
inline void weighted_pass(const T* __restrict w, int64_t ws, const T* __restrict rows, int64_t rs, int64_t count,
                          int64_t e0, T* __restrict out) {
  constexpr int64_t W = kWidth<T>;
  T acc[C][W] = {};
  for (int64_t r = 0; r < count; ++r) {
    const T wr = w[r * ws];
    const T* __restrict row = rows + r * rs + e0;
    for (int c = 0; c < C; ++c)
      for (int64_t x = 0; x < W; ++x) acc[c][x] += wr * row[c * W + x];
  }
  for (int c = 0; c < C; ++c)
    for (int64_t x = 0; x < W; ++x) out[e0 + c * W + x] = acc[c][x];
}

template <typename T>
inline void weighted_impl(const T* w, int64_t ws, const T* rows, int64_t rs, int64_t count, int64_t width, T* out) {
  constexpr int64_t W = kWidth<T>;
  int64_t e0 = 0;
  for (; e0 + 4 * W <= width; e0 += 4 * W) weighted_pass<T, 4>(w, ws, rows, rs, count, e0, out);
  for (; e0 + W <= width; e0 += W) weighted_pass<T, 1>(w, ws, rows, rs, count, e0, out);
  for (; e0 < width; ++e0) {
    T acc = 0;
    for (int64_t r = 0; r < count; ++r) acc += w[r * ws] * rows[r * rs + e0];
    out[e0] = acc;
  }
}

// One copy per instruction set, picked when the library loads (GCC's function multi-versioning): libtorch 1.13's
// kernels are built for baseline x86-64 plus its own dispatch, and so is this file without it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IMBF_ISA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define IMBF_ISA_CLONES
#endif

IMBF_ISA_CLONES void scores(const float* q, float scale, const float* kt, int64_t E, int64_t ld, int64_t n, float* s) {
  scores_impl(q, scale, kt, E, ld, n, s);
}
IMBF_ISA_CLONES void scores(const double* q, double scale, const double* kt, int64_t E, int64_t ld, int64_t n,
                            double* s) {
  scores_impl(q, scale, kt, E, ld, n, s);
}
IMBF_ISA_CLONES void weighted(const float* w, int64_t ws, const float* rows, int64_t rs, int64_t count, int64_t width,
                              float* out) {
  weighted_impl(w, ws, rows, rs, count, width, out);
}
IMBF_ISA_CLONES void weighted(const double* w, int64_t ws, const double* rows, int64_t rs, int64_t count,
                              int64_t width, double* out) {
  weighted_impl(w, ws, rows, rs, count, width, out);
}

// A block's rows (keys or values) transposed into t[e][j], each row of t zero-padded to ld.
template <typename T>
void transpose_block(const Strided<T>& X, int64_t b, int64_t h, int64_t L, int64_t E, int64_t ld, std::vector<T>& t) {
  for (int64_t e = 0; e < E; ++e) std::fill(t.begin() + e * ld + L, t.begin() + (e + 1) * ld, T(0));
  for (int64_t j = 0; j < L; ++j) {
    const T* __restrict xj = X.row(b, h, j);
    for (int64_t e = 0; e < E; ++e) t[e * ld + j] = xj[e];
  }
}

template <typename T>
void forward_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor& out, at::Tensor& p,
                    bool causal, double scale_d) {
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), E = q.size(3), Lk = k.size(2), Ev = v.size(3);
  const Strided<T> Q(q), K(k), V(v), O(out), P(p);
  const T scale = static_cast<T>(scale_d);
  const int64_t ld = round_up(Lk, kWidth<T>);
  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> kt(static_cast<size_t>(E * ld));  // this block's keys, transposed: kt[e][j]
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / H, h = bh % H;
      transpose_block(K, b, h, Lk, E, ld, kt);
      for (int64_t i = 0; i < Lq; ++i) {
        const int64_t n = visible(i, Lk, causal);
        T* __restrict s = P.row(b, h, i);
        scores(Q.row(b, h, i), scale, kt.data(), E, ld, n, s);
        std::fill(s + n, s + Lk, T(0));
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t j = 0; j < n; ++j) m = std::max(m, s[j]);
        T sum = 0;
        for (int64_t j = 0; j < n; ++j) {
          s[j] = std::exp(s[j] - m);
          sum += s[j];
        }
        const T inv = T(1) / sum;
        for (int64_t j = 0; j < n; ++j) s[j] *= inv;
        weighted(s, 1, V.row(b, h, 0), V.s2, n, Ev, O.row(b, h, i));
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
  const int64_t ld = round_up(Lk, kWidth<T>);
  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> vt(static_cast<size_t>(Ev * ld));  // this block's values, transposed: vt[e][j]
    std::vector<T> ds(static_cast<size_t>(Lq * Lk));  // dS of the block, row i at ds[i·Lk]
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / H, h = bh % H;
      transpose_block(V, b, h, Lk, Ev, ld, vt);
      for (int64_t i = 0; i < Lq; ++i) {
        const int64_t n = visible(i, Lk, causal);
        const T* __restrict pi = P.row(b, h, i);
        T* __restrict dsi = ds.data() + i * Lk;
        // dP_ij = dO_i · V_j
        scores(dO.row(b, h, i), T(1), vt.data(), Ev, ld, n, dsi);
        // dS_ij = P_ij (dP_ij − Σ_j P_ij dP_ij), times the scale that multiplied the scores
        T dot = 0;
        for (int64_t j = 0; j < n; ++j) dot += pi[j] * dsi[j];
        for (int64_t j = 0; j < n; ++j) dsi[j] = pi[j] * (dsi[j] - dot) * scale;
        // dQ_i = Σ_j dS_ij K_j
        weighted(dsi, 1, K.row(b, h, 0), K.s2, n, E, dQ.row(b, h, i));
      }
      // dK_j = Σ_i dS_ij Q_i and dV_j = Σ_i P_ij dO_i over the rows i that see key j (i ≥ j when causal).
      for (int64_t j = 0; j < Lk; ++j) {
        const int64_t i0 = causal ? std::min(j, Lq) : 0;
        weighted(ds.data() + i0 * Lk + j, Lk, Q.row(b, h, i0), Q.s2, Lq - i0, E, dK.row(b, h, j));
        weighted(P.row(b, h, i0) + j, P.s2, dO.row(b, h, i0), dO.s2, Lq - i0, Ev, dV.row(b, h, j));
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
