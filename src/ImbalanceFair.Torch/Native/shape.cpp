// Views, joins and indexing.
#include "imbf.h"

using namespace imbf;

IMBF_EXPORT THandle imbf_reshape(THandle x, const int64_t* dims, int32_t n) {
  return guard_t([&] { return x->reshape(shape(dims, n)); });
}
IMBF_EXPORT THandle imbf_view(THandle x, const int64_t* dims, int32_t n) {
  return guard_t([&] { return x->view(shape(dims, n)); });
}
IMBF_EXPORT THandle imbf_permute(THandle x, const int64_t* dims, int32_t n) {
  return guard_t([&] { return x->permute(shape(dims, n)); });
}
IMBF_EXPORT THandle imbf_transpose(THandle x, int64_t d0, int64_t d1) {
  return guard_t([&] { return x->transpose(d0, d1); });
}
IMBF_EXPORT THandle imbf_expand(THandle x, const int64_t* dims, int32_t n) {
  return guard_t([&] { return x->expand(shape(dims, n)); });
}
IMBF_EXPORT THandle imbf_repeat(THandle x, const int64_t* dims, int32_t n) {
  return guard_t([&] { return x->repeat(shape(dims, n)); });
}
IMBF_EXPORT THandle imbf_flatten(THandle x, int64_t start, int64_t end) {
  return guard_t([&] { return x->flatten(start, end); });
}
IMBF_EXPORT THandle imbf_unsqueeze(THandle x, int64_t dim) {
  return guard_t([&] { return x->unsqueeze(dim); });
}
// dim = INT64_MIN: every size-1 dimension.
IMBF_EXPORT THandle imbf_squeeze(THandle x, int64_t dim) {
  return guard_t([&] { return dim == INT64_MIN ? x->squeeze() : x->squeeze(dim); });
}
IMBF_EXPORT THandle imbf_cat(const THandle* xs, int32_t n, int64_t dim) {
  return guard_t([&] { return at::cat(tensors(xs, n), dim); });
}
IMBF_EXPORT THandle imbf_stack(const THandle* xs, int32_t n, int64_t dim) {
  return guard_t([&] { return at::stack(tensors(xs, n), dim); });
}
IMBF_EXPORT int32_t imbf_split(THandle x, const int64_t* sizes, int32_t n, int64_t dim, THandle* out) {
  return guard([&] {
    auto parts = x->split_with_sizes(shape(sizes, n), dim);
    for (int32_t i = 0; i < n; ++i) out[i] = wrap(parts[static_cast<size_t>(i)]);
  });
}
IMBF_EXPORT THandle imbf_narrow(THandle x, int64_t dim, int64_t start, int64_t length) {
  return guard_t([&] { return x->narrow(dim, start, length); });
}
IMBF_EXPORT THandle imbf_slice(THandle x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return guard_t([&] { return x->slice(dim, start, end, step); });
}
IMBF_EXPORT THandle imbf_select(THandle x, int64_t dim, int64_t index) {
  return guard_t([&] { return x->select(dim, index); });
}
IMBF_EXPORT THandle imbf_index_select(THandle x, int64_t dim, THandle index) {
  return guard_t([&] { return x->index_select(dim, *index); });
}
IMBF_EXPORT THandle imbf_gather(THandle x, int64_t dim, THandle index) {
  return guard_t([&] { return x->gather(dim, *index); });
}
IMBF_EXPORT THandle imbf_scatter(THandle x, int64_t dim, THandle index, THandle src) {
  return guard_t([&] { return x->scatter(dim, *index, *src); });
}
IMBF_EXPORT THandle imbf_scatter_add(THandle x, int64_t dim, THandle index, THandle src) {
  return guard_t([&] { return x->scatter_add(dim, *index, *src); });
}
IMBF_EXPORT THandle imbf_index_add(THandle x, int64_t dim, THandle index, THandle src) {
  return guard_t([&] { return x->index_add(dim, *index, *src); });
}
// Advanced indexing x[i0, i1, ...]: a null handle stands for ':' in that position.
IMBF_EXPORT THandle imbf_index(THandle x, const THandle* indices, int32_t n) {
  return guard_t([&] {
    c10::List<c10::optional<at::Tensor>> list;
    for (int32_t i = 0; i < n; ++i) list.push_back(optional(indices[i]));
    return at::index(*x, list);
  });
}
IMBF_EXPORT int32_t imbf_index_put_(THandle x, const THandle* indices, int32_t n, THandle values, uint8_t accumulate) {
  return guard([&] {
    c10::List<c10::optional<at::Tensor>> list;
    for (int32_t i = 0; i < n; ++i) list.push_back(optional(indices[i]));
    x->index_put_(list, *values, accumulate != 0);
  });
}
IMBF_EXPORT THandle imbf_masked_select(THandle x, THandle mask) {
  return guard_t([&] { return at::masked_select(*x, *mask); });
}
IMBF_EXPORT THandle imbf_nonzero(THandle x) {
  return guard_t([&] { return at::nonzero(*x); });
}
IMBF_EXPORT THandle imbf_flip(THandle x, const int64_t* dims, int32_t n) {
  return guard_t([&] { return at::flip(*x, shape(dims, n)); });
}
IMBF_EXPORT THandle imbf_tril(THandle x, int64_t diagonal) {
  return guard_t([&] { return at::tril(*x, diagonal); });
}
IMBF_EXPORT THandle imbf_triu(THandle x, int64_t diagonal) {
  return guard_t([&] { return at::triu(*x, diagonal); });
}
IMBF_EXPORT THandle imbf_one_hot(THandle x, int64_t num_classes) {
  return guard_t([&] { return at::one_hot(*x, num_classes); });
}
IMBF_EXPORT THandle imbf_unique(THandle x, uint8_t sorted) {
  return guard_t([&] { return std::get<0>(at::_unique(*x, sorted != 0, false)); });
}
