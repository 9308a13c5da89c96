// Mixed precision with bfloat16 through libtorch's current autocast API, on CUDA and on CPUs
// with native bfloat16 (AVX512-BF16, AMX). tch 0.24 exposes only the deprecated
// at::autocast::is_enabled/set_enabled (which warn on every call) and cannot choose the dtype,
// so CUDA autocast ran in float16 and CPU autocast not at all.
#include <ATen/autocast_mode.h>

extern "C" {

// Enters a region: autocast on CUDA set to `cuda` and on the CPU to `cpu`, both in bfloat16.
// Writes the previous states to `prev_cuda` / `prev_cpu`.
void ferry_autocast_enter(bool cuda, bool cpu, bool* prev_cuda, bool* prev_cpu) {
  *prev_cuda = at::autocast::is_autocast_enabled(at::kCUDA);
  *prev_cpu = at::autocast::is_autocast_enabled(at::kCPU);
  at::autocast::set_autocast_enabled(at::kCUDA, cuda);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCPU, cpu);
  at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
  at::autocast::increment_nesting();
}

// Leaves a region entered with ferry_autocast_enter, restoring its previous states.
void ferry_autocast_exit(bool prev_cuda, bool prev_cpu) {
  if (at::autocast::decrement_nesting() == 0) {
    at::autocast::clear_cache();
  }
  at::autocast::set_autocast_enabled(at::kCUDA, prev_cuda);
  at::autocast::set_autocast_enabled(at::kCPU, prev_cpu);
}

// Whether autocast is on in this thread for CUDA (cuda = true) or the CPU, in bfloat16.
bool ferry_autocast_bf16_active(bool cuda) {
  auto dev = cuda ? at::kCUDA : at::kCPU;
  return at::autocast::is_autocast_enabled(dev) && at::autocast::get_autocast_dtype(dev) == at::kBFloat16;
}
}
