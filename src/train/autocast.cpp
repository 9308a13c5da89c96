// Mixed precision for CUDA training with bfloat16, through libtorch's current autocast API.
// tch 0.24 exposes only the deprecated at::autocast::is_enabled/set_enabled (which warn on
// every call) and cannot choose the dtype, so CUDA autocast ran in float16.
#include <ATen/autocast_mode.h>

extern "C" {

// Enters a region: autocast on CUDA set to `enabled` with bfloat16; returns the previous state.
bool ferry_autocast_enter(bool enabled) {
  bool prev = at::autocast::is_autocast_enabled(at::kCUDA);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::increment_nesting();
  return prev;
}

// Leaves a region entered with ferry_autocast_enter, restoring its previous state.
void ferry_autocast_exit(bool prev) {
  if (at::autocast::decrement_nesting() == 0) {
    at::autocast::clear_cache();
  }
  at::autocast::set_autocast_enabled(at::kCUDA, prev);
}

// Whether CUDA autocast is on in this thread, and whether its dtype is bfloat16.
bool ferry_autocast_cuda_enabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
bool ferry_autocast_cuda_is_bf16() { return at::autocast::get_autocast_dtype(at::kCUDA) == at::kBFloat16; }
}
