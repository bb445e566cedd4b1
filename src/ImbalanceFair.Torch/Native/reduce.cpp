// Reductions. A dims array of length 0 means "all dimensions".
#include "imbf.h"

using namespace imbf;

IMBF_EXPORT THandle imbf_sum(THandle x, const int64_t* dims, int32_t ndims, uint8_t keepdim, int32_t dt) {
  return guard_t([&] {
    c10::optional<at::ScalarType> t = dt < 0 ? c10::nullopt : c10::optional<at::ScalarType>(dtype(dt));
    return ndims == 0 && !keepdim ? at::sum(*x, t) : at::sum(*x, shape(dims, ndims), keepdim != 0, t);
  });
}
IMBF_EXPORT THandle imbf_mean(THandle x, const int64_t* dims, int32_t ndims, uint8_t keepdim) {
  return guard_t([&] { return ndims == 0 && !keepdim ? at::mean(*x) : at::mean(*x, shape(dims, ndims), keepdim != 0); });
}
IMBF_EXPORT THandle imbf_var(THandle x, const int64_t* dims, int32_t ndims, int64_t correction, uint8_t keepdim) {
  return guard_t([&] {
    return at::var(*x, ndims == 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(shape(dims, ndims)),
                   correction, keepdim != 0);
  });
}
IMBF_EXPORT THandle imbf_std(THandle x, const int64_t* dims, int32_t ndims, int64_t correction, uint8_t keepdim) {
  return guard_t([&] {
    return at::std(*x, ndims == 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(shape(dims, ndims)),
                   correction, keepdim != 0);
  });
}
IMBF_EXPORT THandle imbf_prod(THandle x) {
  return guard_t([&] { return at::prod(*x); });
}
IMBF_EXPORT THandle imbf_max_all(THandle x) {
  return guard_t([&] { return at::max(*x); });
}
IMBF_EXPORT THandle imbf_min_all(THandle x) {
  return guard_t([&] { return at::min(*x); });
}
IMBF_EXPORT int32_t imbf_max_dim(THandle x, int64_t dim, uint8_t keepdim, THandle* values, THandle* indices) {
  return guard([&] {
    auto r = at::max(*x, dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}
IMBF_EXPORT int32_t imbf_min_dim(THandle x, int64_t dim, uint8_t keepdim, THandle* values, THandle* indices) {
  return guard([&] {
    auto r = at::min(*x, dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}
// dim = INT64_MIN: over the flattened tensor.
IMBF_EXPORT THandle imbf_argmax(THandle x, int64_t dim, uint8_t keepdim) {
  return guard_t([&] {
    return dim == INT64_MIN ? at::argmax(*x) : at::argmax(*x, dim, keepdim != 0);
  });
}
IMBF_EXPORT THandle imbf_argmin(THandle x, int64_t dim, uint8_t keepdim) {
  return guard_t([&] {
    return dim == INT64_MIN ? at::argmin(*x) : at::argmin(*x, dim, keepdim != 0);
  });
}
IMBF_EXPORT THandle imbf_norm(THandle x, double p, const int64_t* dims, int32_t ndims, uint8_t keepdim) {
  return guard_t([&] {
    return ndims == 0 && !keepdim ? at::norm(*x, p) : at::norm(*x, p, shape(dims, ndims), keepdim != 0);
  });
}
IMBF_EXPORT THandle imbf_logsumexp(THandle x, const int64_t* dims, int32_t ndims, uint8_t keepdim) {
  return guard_t([&] { return at::logsumexp(*x, shape(dims, ndims), keepdim != 0); });
}
IMBF_EXPORT int32_t imbf_topk(THandle x, int64_t k, int64_t dim, uint8_t largest, uint8_t sorted, THandle* values,
                              THandle* indices) {
  return guard([&] {
    auto r = at::topk(*x, k, dim, largest != 0, sorted != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}
IMBF_EXPORT int32_t imbf_sort(THandle x, int64_t dim, uint8_t descending, uint8_t stable, THandle* values,
                              THandle* indices) {
  return guard([&] {
    auto r = at::sort(*x, stable != 0, dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}
IMBF_EXPORT THandle imbf_cumsum(THandle x, int64_t dim) {
  return guard_t([&] { return at::cumsum(*x, dim); });
}
IMBF_EXPORT THandle imbf_any(THandle x) {
  return guard_t([&] { return at::any(*x); });
}
IMBF_EXPORT THandle imbf_all(THandle x) {
  return guard_t([&] { return at::all(*x); });
}
IMBF_EXPORT THandle imbf_cdist(THandle a, THandle b, double p) {
  return guard_t([&] { return at::cdist(*a, *b, p); });
}
IMBF_EXPORT THandle imbf_bincount(THandle x, THandle weights, int64_t minlength) {
  return guard_t([&] { return at::bincount(*x, optional(weights), minlength); });
}
