// Tensor factories and the random number generator.
#include "imbf.h"

#include <ATen/CPUGeneratorImpl.h>

using namespace imbf;

#define IMBF_OPTS int32_t dt, int32_t dev_type, int32_t dev_index
#define IMBF_OPT options(dt, dev_type, dev_index)

IMBF_EXPORT THandle imbf_empty(const int64_t* dims, int32_t ndim, IMBF_OPTS) {
  return guard_t([&] { return at::empty(shape(dims, ndim), IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_zeros(const int64_t* dims, int32_t ndim, IMBF_OPTS) {
  return guard_t([&] { return at::zeros(shape(dims, ndim), IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_ones(const int64_t* dims, int32_t ndim, IMBF_OPTS) {
  return guard_t([&] { return at::ones(shape(dims, ndim), IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_full(const int64_t* dims, int32_t ndim, double value, IMBF_OPTS) {
  return guard_t([&] { return at::full(shape(dims, ndim), value, IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_arange(double start, double end, double step, IMBF_OPTS) {
  return guard_t([&] { return at::arange(start, end, step, IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_linspace(double start, double end, int64_t steps, IMBF_OPTS) {
  return guard_t([&] { return at::linspace(start, end, steps, IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_eye(int64_t n, IMBF_OPTS) {
  return guard_t([&] { return at::eye(n, IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_rand(const int64_t* dims, int32_t ndim, IMBF_OPTS) {
  return guard_t([&] { return at::rand(shape(dims, ndim), IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_randn(const int64_t* dims, int32_t ndim, IMBF_OPTS) {
  return guard_t([&] { return at::randn(shape(dims, ndim), IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_randint(int64_t low, int64_t high, const int64_t* dims, int32_t ndim, IMBF_OPTS) {
  return guard_t([&] { return at::randint(low, high, shape(dims, ndim), IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_randperm(int64_t n, IMBF_OPTS) {
  return guard_t([&] { return at::randperm(n, IMBF_OPT); });
}
IMBF_EXPORT THandle imbf_multinomial(THandle probs, int64_t n, uint8_t replacement) {
  return guard_t([&] { return at::multinomial(*probs, n, replacement != 0); });
}
IMBF_EXPORT THandle imbf_bernoulli(THandle probs) {
  return guard_t([&] { return at::bernoulli(*probs); });
}
IMBF_EXPORT THandle imbf_zeros_like(THandle t) {
  return guard_t([&] { return at::zeros_like(*t); });
}
IMBF_EXPORT THandle imbf_ones_like(THandle t) {
  return guard_t([&] { return at::ones_like(*t); });
}
IMBF_EXPORT THandle imbf_full_like(THandle t, double value) {
  return guard_t([&] { return at::full_like(*t, value); });
}
IMBF_EXPORT THandle imbf_rand_like(THandle t) {
  return guard_t([&] { return at::rand_like(*t); });
}
IMBF_EXPORT THandle imbf_randn_like(THandle t) {
  return guard_t([&] { return at::randn_like(*t); });
}

// The default CPU generator's state as a uint8 tensor, so checkpoints can restore the stream exactly.
IMBF_EXPORT THandle imbf_rng_get_state() {
  return guard_t([&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
  });
}
IMBF_EXPORT int32_t imbf_rng_set_state(THandle state) {
  return guard([&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(*state);
  });
}
