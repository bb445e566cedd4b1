// Conventions shared by every translation unit of the shim (DESIGN.md §4):
//  - C ABI only, fixed-width integers, bool as one byte, shapes as (const int64_t*, int32_t);
//  - a tensor handle is a heap at::Tensor* owned by the managed side (imbf_free releases it);
//  - every entry point catches every exception into a thread-local message that the managed side
//    turns into a TorchException: a libtorch error is never a crash.
#pragma once
#include <ATen/ATen.h>
#include <cstdint>
#include <string>
#include <vector>

#define IMBF_EXPORT extern "C" __attribute__((visibility("default")))

typedef at::Tensor* THandle;

namespace imbf {

void set_error(const char* message);
void clear_error();
THandle wrap(at::Tensor t);

inline at::IntArrayRef shape(const int64_t* dims, int32_t n) { return at::IntArrayRef(dims, static_cast<size_t>(n)); }
inline at::ScalarType dtype(int32_t code) { return static_cast<at::ScalarType>(code); }
inline at::Device device(int32_t type, int32_t index) {
  return type == 1 ? at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index)) : at::Device(at::kCPU);
}
inline at::TensorOptions options(int32_t dt, int32_t dev_type, int32_t dev_index) {
  return at::TensorOptions().dtype(dtype(dt)).device(device(dev_type, dev_index));
}
inline std::vector<at::Tensor> tensors(const THandle* hs, int32_t n) {
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) v.push_back(*hs[i]);
  return v;
}
inline c10::optional<at::Tensor> optional(THandle h) {
  return h ? c10::optional<at::Tensor>(*h) : c10::nullopt;
}

// Runs f, catching everything. Returns f's tensor as a new handle, or nullptr with the error set.
template <class F>
THandle guard_t(F&& f) {
  try {
    return wrap(f());
  } catch (const c10::Error& e) {
    set_error(e.what_without_backtrace());
  } catch (const std::exception& e) {
    set_error(e.what());
  } catch (...) {
    set_error("unknown C++ exception in the imbfair libtorch shim");
  }
  return nullptr;
}

// Runs f, catching everything. Returns 0, or -1 with the error set.
template <class F>
int32_t guard(F&& f) {
  try {
    f();
    return 0;
  } catch (const c10::Error& e) {
    set_error(e.what_without_backtrace());
  } catch (const std::exception& e) {
    set_error(e.what());
  } catch (...) {
    set_error("unknown C++ exception in the imbfair libtorch shim");
  }
  return -1;
}

}  // namespace imbf
