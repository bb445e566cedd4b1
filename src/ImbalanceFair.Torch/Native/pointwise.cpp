// Element-wise maths. Unary and binary ops are dispatched by an op code (the managed enums
// UnaryOp/BinaryOp mirror these tables), so adding one is one line here and one there.
#include "imbf.h"

#include <ATen/ScalarOps.h>

using namespace imbf;

namespace {
at::Tensor quick_gelu(const at::Tensor& x) { return x * at::sigmoid(1.702 * x); }

at::Tensor unary(int32_t op, const at::Tensor& x) {
  switch (op) {
    case 0: return at::neg(x);
    case 1: return at::exp(x);
    case 2: return at::log(x);
    case 3: return at::sqrt(x);
    case 4: return at::rsqrt(x);
    case 5: return at::abs(x);
    case 6: return at::sign(x);
    case 7: return at::sigmoid(x);
    case 8: return at::tanh(x);
    case 9: return at::relu(x);
    case 10: return at::gelu(x, "none");
    case 11: return at::gelu(x, "tanh");
    case 12: return quick_gelu(x);
    case 13: return at::sin(x);
    case 14: return at::cos(x);
    case 15: return at::square(x);
    case 16: return at::reciprocal(x);
    case 17: return at::floor(x);
    case 18: return at::ceil(x);
    case 19: return at::round(x);
    case 20: return at::log1p(x);
    case 21: return at::expm1(x);
    case 22: return at::erf(x);
    case 23: return at::logical_not(x);
    case 24: return at::isnan(x);
    case 25: return at::isfinite(x);
    case 26: return at::silu(x);
    case 27: return at::log_sigmoid(x);
    case 28: return at::trunc(x);
    default: TORCH_CHECK(false, "unknown unary op code ", op);
  }
}

void unary_(int32_t op, at::Tensor& x) {
  switch (op) {
    case 0: x.neg_(); return;
    case 1: x.exp_(); return;
    case 2: x.log_(); return;
    case 3: x.sqrt_(); return;
    case 4: x.rsqrt_(); return;
    case 5: x.abs_(); return;
    case 6: x.sign_(); return;
    case 7: x.sigmoid_(); return;
    case 8: x.tanh_(); return;
    case 9: x.relu_(); return;
    case 15: x.square_(); return;
    case 16: x.reciprocal_(); return;
    case 17: x.floor_(); return;
    case 18: x.ceil_(); return;
    case 19: x.round_(); return;
    case 28: x.trunc_(); return;
    default: x.copy_(unary(op, x)); return;
  }
}

at::Tensor binary(int32_t op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case 0: return at::add(a, b);
    case 1: return at::sub(a, b);
    case 2: return at::mul(a, b);
    case 3: return at::div(a, b);
    case 4: return at::pow(a, b);
    case 5: return at::maximum(a, b);
    case 6: return at::minimum(a, b);
    case 7: return at::eq(a, b);
    case 8: return at::ne(a, b);
    case 9: return at::lt(a, b);
    case 10: return at::le(a, b);
    case 11: return at::gt(a, b);
    case 12: return at::ge(a, b);
    case 13: return at::remainder(a, b);
    case 14: return at::logical_and(a, b);
    case 15: return at::logical_or(a, b);
    case 16: return at::atan2(a, b);
    case 17: return at::div(a, b, "floor");
    default: TORCH_CHECK(false, "unknown binary op code ", op);
  }
}

at::Tensor binary_scalar(int32_t op, const at::Tensor& a, const at::Scalar& b) {
  switch (op) {
    case 0: return at::add(a, b);
    case 1: return at::sub(a, b);
    case 2: return at::mul(a, b);
    case 3: return at::div(a, b);
    case 4: return at::pow(a, b);
    case 5: return at::clamp_min(a, b);
    case 6: return at::clamp_max(a, b);
    case 7: return at::eq(a, b);
    case 8: return at::ne(a, b);
    case 9: return at::lt(a, b);
    case 10: return at::le(a, b);
    case 11: return at::gt(a, b);
    case 12: return at::ge(a, b);
    case 13: return at::remainder(a, b);
    case 17: return at::div(a, b, "floor");
    default: return binary(op, a, at::scalar_tensor(b, a.options()));
  }
}

void binary_(int32_t op, at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case 0: a.add_(b); return;
    case 1: a.sub_(b); return;
    case 2: a.mul_(b); return;
    case 3: a.div_(b); return;
    case 4: a.pow_(b); return;
    default: a.copy_(binary(op, a, b)); return;
  }
}

void binary_scalar_(int32_t op, at::Tensor& a, const at::Scalar& b) {
  switch (op) {
    case 0: a.add_(b); return;
    case 1: a.sub_(b); return;
    case 2: a.mul_(b); return;
    case 3: a.div_(b); return;
    case 4: a.pow_(b); return;
    case 5: a.clamp_min_(b); return;
    case 6: a.clamp_max_(b); return;
    default: a.copy_(binary_scalar(op, a, b)); return;
  }
}
}  // namespace

IMBF_EXPORT THandle imbf_unary(int32_t op, THandle x) {
  return guard_t([&] { return unary(op, *x); });
}
IMBF_EXPORT int32_t imbf_unary_(int32_t op, THandle x) {
  return guard([&] { unary_(op, *x); });
}
IMBF_EXPORT THandle imbf_binary(int32_t op, THandle a, THandle b) {
  return guard_t([&] { return binary(op, *a, *b); });
}
IMBF_EXPORT THandle imbf_binary_scalar(int32_t op, THandle a, double b) {
  return guard_t([&] { return binary_scalar(op, *a, b); });
}
// scalar OP tensor, for the reflected forms (2 - x, 1 / x, 2 ** x). The scalar is a wrapped number, as a
// Python float is, so it promotes like tensor OP scalar does instead of being cast to b's dtype (2.5 - int).
IMBF_EXPORT THandle imbf_scalar_binary(int32_t op, double a, THandle b) {
  return guard_t([&] { return binary(op, at::native::wrapped_scalar_tensor(a, b->device()), *b); });
}
IMBF_EXPORT int32_t imbf_binary_(int32_t op, THandle a, THandle b) {
  return guard([&] { binary_(op, *a, *b); });
}
IMBF_EXPORT int32_t imbf_binary_scalar_(int32_t op, THandle a, double b) {
  return guard([&] { binary_scalar_(op, *a, b); });
}

IMBF_EXPORT THandle imbf_add_alpha(THandle a, THandle b, double alpha) {
  return guard_t([&] { return at::add(*a, *b, alpha); });
}
IMBF_EXPORT int32_t imbf_add_alpha_(THandle a, THandle b, double alpha) {
  return guard([&] { a->add_(*b, alpha); });
}
IMBF_EXPORT int32_t imbf_addcmul_(THandle a, THandle b, THandle c, double value) {
  return guard([&] { a->addcmul_(*b, *c, value); });
}
IMBF_EXPORT int32_t imbf_addcdiv_(THandle a, THandle b, THandle c, double value) {
  return guard([&] { a->addcdiv_(*b, *c, value); });
}
IMBF_EXPORT THandle imbf_lerp(THandle a, THandle b, double w) {
  return guard_t([&] { return at::lerp(*a, *b, w); });
}
IMBF_EXPORT THandle imbf_lerp_t(THandle a, THandle b, THandle w) {
  return guard_t([&] { return at::lerp(*a, *b, *w); });
}
IMBF_EXPORT int32_t imbf_lerp_(THandle a, THandle b, double w) {
  return guard([&] { a->lerp_(*b, w); });
}
// NaN for a missing bound: clamp(min=None) / clamp(max=None).
IMBF_EXPORT THandle imbf_clamp(THandle x, double lo, double hi) {
  return guard_t([&] {
    return at::clamp(*x, std::isnan(lo) ? c10::optional<at::Scalar>() : lo,
                     std::isnan(hi) ? c10::optional<at::Scalar>() : hi);
  });
}
IMBF_EXPORT int32_t imbf_clamp_(THandle x, double lo, double hi) {
  return guard([&] {
    x->clamp_(std::isnan(lo) ? c10::optional<at::Scalar>() : lo, std::isnan(hi) ? c10::optional<at::Scalar>() : hi);
  });
}
IMBF_EXPORT THandle imbf_clamp_t(THandle x, THandle lo, THandle hi) {
  return guard_t([&] { return at::clamp(*x, optional(lo), optional(hi)); });
}
IMBF_EXPORT THandle imbf_where(THandle cond, THandle a, THandle b) {
  return guard_t([&] { return at::where(*cond, *a, *b); });
}
IMBF_EXPORT THandle imbf_masked_fill(THandle x, THandle mask, double value) {
  return guard_t([&] { return x->masked_fill(*mask, value); });
}
IMBF_EXPORT int32_t imbf_copy_(THandle dst, THandle src) {
  return guard([&] { dst->copy_(*src); });
}
IMBF_EXPORT int32_t imbf_fill_(THandle x, double value) {
  return guard([&] { x->fill_(value); });
}
IMBF_EXPORT int32_t imbf_zero_(THandle x) {
  return guard([&] { x->zero_(); });
}
IMBF_EXPORT int32_t imbf_uniform_(THandle x, double lo, double hi) {
  return guard([&] { x->uniform_(lo, hi); });
}
IMBF_EXPORT int32_t imbf_normal_(THandle x, double mean, double std) {
  return guard([&] { x->normal_(mean, std); });
}
IMBF_EXPORT int32_t imbf_allclose(THandle a, THandle b, double rtol, double atol, uint8_t* out) {
  return guard([&] { *out = at::allclose(*a, *b, rtol, atol); });
}

// Integer scalars: like a Python int, they keep integer tensors integral (y * 4 stays int64, y * 4.0 does not).
IMBF_EXPORT THandle imbf_binary_scalar_i(int32_t op, THandle a, int64_t b) {
  return guard_t([&] { return binary_scalar(op, *a, at::Scalar(b)); });
}
IMBF_EXPORT THandle imbf_scalar_binary_i(int32_t op, int64_t a, THandle b) {
  return guard_t([&] { return binary(op, at::native::wrapped_scalar_tensor(at::Scalar(a), b->device()), *b); });
}
IMBF_EXPORT int32_t imbf_binary_scalar_i_(int32_t op, THandle a, int64_t b) {
  return guard([&] { binary_scalar_(op, *a, at::Scalar(b)); });
}
