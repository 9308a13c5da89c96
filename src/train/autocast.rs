//! bfloat16 autocast for training (the mixed precision of the Trainer), on CUDA and on CPUs
//! with native bfloat16 arithmetic.
//!
//! `tch::autocast` turns on libtorch's CUDA autocast with its default dtype, float16, and
//! through a deprecated API that logs a warning on every call; it cannot reach the CPU's
//! autocast at all. Training in float16 needs loss scaling; bfloat16 has float32's range and
//! needs none, so the Trainer uses this instead: a small C++ shim (`autocast.cpp`, compiled by
//! build.rs against the same libtorch) that sets the dtype and uses the current API.
//!
//! Inside a region, matrix products and convolutions run in bfloat16 while the weights, their
//! gradients and the optimiser state stay float32 (the master weights); spectra and losses are
//! computed in float32 by the models (`audio::stft_tch` promotes its input). On a CPU without
//! AVX512-BF16 or AMX, bfloat16 is emulated and slower than float32, so the region is a no-op
//! there.

use tch::Device;

extern "C" {
    fn ferry_autocast_enter(cuda: bool, cpu: bool, prev_cuda: *mut bool, prev_cpu: *mut bool);
    fn ferry_autocast_exit(prev_cuda: bool, prev_cpu: bool);
    fn ferry_autocast_bf16_active(cuda: bool) -> bool;
}

/// Restores the previous autocast states when dropped (also on unwinding).
struct Region {
    prev: (bool, bool),
}

impl Region {
    fn enter(cuda: bool, cpu: bool) -> Self {
        let (mut pc, mut pp) = (false, false);
        // SAFETY: the shim only reads and writes libtorch's thread-local autocast state and
        // the two booleans we own.
        unsafe { ferry_autocast_enter(cuda, cpu, &mut pc, &mut pp) };
        Self { prev: (pc, pp) }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: as in `enter`; pairs with the `ferry_autocast_enter` of this region.
        unsafe { ferry_autocast_exit(self.prev.0, self.prev.1) }
    }
}

/// Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX-BF16 in /proc/cpuinfo).
pub fn cpu_has_bf16() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        std::fs::read_to_string("/proc/cpuinfo")
            .is_ok_and(|s| s.lines().filter(|l| l.starts_with("flags")).take(1).any(|l| l.split_whitespace().any(|f| f == "avx512_bf16" || f == "amx_bf16")))
    })
}

/// Whether [`bf16`] would autocast on `device` (CUDA with a GPU present; the CPU when it has
/// native bfloat16).
pub fn available(device: Device) -> bool {
    match device {
        Device::Cpu => cpu_has_bf16(),
        _ => tch::Cuda::is_available(),
    }
}

/// Runs `f` with bfloat16 autocast on `device` when `enabled` and [`available`]; otherwise
/// runs it as it is. Nested regions restore the outer state.
pub fn bf16<T>(enabled: bool, device: Device, f: impl FnOnce() -> T) -> T {
    let on = enabled && available(device);
    let cuda = tch::Cuda::is_available();
    if !on && !cuda && !active(Device::Cpu) {
        return f();
    }
    let _region = Region::enter(on && device.is_cuda(), on && device == Device::Cpu);
    f()
}

/// Whether autocast is on in this thread for `device`'s type and set to bfloat16.
pub fn active(device: Device) -> bool {
    // SAFETY: reads thread-local state.
    unsafe { ferry_autocast_bf16_active(device.is_cuda()) }
}

/// Whether CUDA autocast is on in this thread and set to bfloat16.
pub fn cuda_bf16_active() -> bool {
    active(Device::Cuda(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    #[test]
    fn regions_set_bf16_and_restore_the_outer_state() {
        // The state is libtorch's, per thread; it needs no GPU to be set and read.
        assert!(!cuda_bf16_active() && !active(Device::Cpu));
        {
            let _outer = Region::enter(true, true);
            assert!(cuda_bf16_active() && active(Device::Cpu));
            {
                let _inner = Region::enter(false, false);
                assert!(!cuda_bf16_active() && !active(Device::Cpu));
            }
            assert!(cuda_bf16_active() && active(Device::Cpu));
        }
        assert!(!cuda_bf16_active() && !active(Device::Cpu));
        // Unwinding out of a region restores the state too.
        let _ = std::panic::catch_unwind(|| {
            let _r = Region::enter(true, true);
            panic!("inside");
        });
        assert!(!cuda_bf16_active() && !active(Device::Cpu));
    }

    #[test]
    fn matmuls_run_in_bf16_where_the_hardware_has_it() {
        let a = Tensor::ones([4, 4], (Kind::Float, Device::Cpu));
        let cpu_kind = if cpu_has_bf16() { Kind::BFloat16 } else { Kind::Float };
        assert_eq!(bf16(true, Device::Cpu, || a.matmul(&a)).kind(), cpu_kind);
        assert_eq!(bf16(false, Device::Cpu, || a.matmul(&a)).kind(), Kind::Float);
        // A CUDA region leaves CPU tensors alone.
        assert_eq!(bf16(true, Device::Cuda(0), || a.matmul(&a)).kind(), Kind::Float);
        // Elementwise ops and reductions of float32 inputs stay float32.
        assert_eq!(bf16(true, Device::Cpu, || (&a * 2.0).sum(Kind::Float)).kind(), Kind::Float);
        if tch::Cuda::is_available() {
            let g = a.to_device(Device::Cuda(0));
            assert_eq!(bf16(true, Device::Cuda(0), || g.matmul(&g)).kind(), Kind::BFloat16);
            assert_eq!(bf16(false, Device::Cuda(0), || g.matmul(&g)).kind(), Kind::Float);
        }
    }
}
