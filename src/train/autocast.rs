//! bfloat16 autocast for CUDA training (the mixed precision of the Trainer).
//!
//! `tch::autocast` turns on libtorch's CUDA autocast with its default dtype, float16, and
//! through a deprecated API that logs a warning on every call. Training in float16 needs loss
//! scaling; bfloat16 has float32's range and needs none, so the Trainer uses this instead: a
//! small C++ shim (`autocast.cpp`, compiled by build.rs against the same libtorch) that sets the
//! dtype and uses the current API.

extern "C" {
    fn ferry_autocast_enter(enabled: bool) -> bool;
    fn ferry_autocast_exit(prev: bool);
    fn ferry_autocast_cuda_enabled() -> bool;
    fn ferry_autocast_cuda_is_bf16() -> bool;
}

/// Restores the previous autocast state when dropped (also on unwinding).
struct Region {
    prev: bool,
}

impl Region {
    fn enter(enabled: bool) -> Self {
        // SAFETY: the shim only reads and writes libtorch's thread-local autocast state.
        Self { prev: unsafe { ferry_autocast_enter(enabled) } }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: as in `enter`; pairs with the `ferry_autocast_enter` of this region.
        unsafe { ferry_autocast_exit(self.prev) }
    }
}

/// Runs `f` with CUDA autocast in bfloat16 when `enabled` and a GPU is present (CPU tensors
/// are never cast). Nested regions restore the outer state.
pub fn bf16<T>(enabled: bool, f: impl FnOnce() -> T) -> T {
    if !tch::Cuda::is_available() {
        return f();
    }
    let _region = Region::enter(enabled);
    f()
}

/// Whether CUDA autocast is on in this thread and set to bfloat16.
pub fn cuda_bf16_active() -> bool {
    // SAFETY: reads thread-local state.
    unsafe { ferry_autocast_cuda_enabled() && ferry_autocast_cuda_is_bf16() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind, Tensor};

    #[test]
    fn regions_set_bf16_and_restore_the_outer_state() {
        // The state is libtorch's, per thread; it needs no GPU to be set and read.
        assert!(!cuda_bf16_active());
        {
            let _outer = Region::enter(true);
            assert!(cuda_bf16_active());
            {
                let _inner = Region::enter(false);
                assert!(!cuda_bf16_active());
            }
            assert!(cuda_bf16_active());
        }
        assert!(!cuda_bf16_active());
        // Unwinding out of a region restores the state too.
        let _ = std::panic::catch_unwind(|| {
            let _r = Region::enter(true);
            panic!("inside");
        });
        assert!(!cuda_bf16_active());
    }

    #[test]
    fn cuda_matmuls_run_in_bf16_and_cpu_ones_stay_f32() {
        let a = Tensor::ones([4, 4], (Kind::Float, Device::Cpu));
        assert_eq!(bf16(true, || a.matmul(&a)).kind(), Kind::Float);
        if tch::Cuda::is_available() {
            let g = a.to_device(Device::Cuda(0));
            assert_eq!(bf16(true, || g.matmul(&g)).kind(), Kind::BFloat16);
            assert_eq!(bf16(false, || g.matmul(&g)).kind(), Kind::Float);
        }
    }
}
