//! Floating-point operations of a training step, counted by libtorch as the step runs.
//!
//! A small C++ shim (`flops.cpp`, compiled by build.rs) registers a thread-local observer on
//! libtorch's op dispatch and adds up, as `torch.utils.flop_counter` does, the matrix products
//! and convolutions of the forward and backward passes at 2 operations per multiply-add.
//! Element-wise ops, FFTs, reductions and the optimiser update are not counted; they are a
//! small part of these models' work. The trainer counts the first step it runs and prints it.

use std::ffi::{c_char, CStr};
use std::sync::Mutex;

use crate::error::{Error, Result};

extern "C" {
    fn ferry_flops_error() -> *const c_char;
    fn ferry_flops_start() -> i32;
    fn ferry_flops_stop() -> u64;
}

/// Closes the count when dropped (also on unwinding).
struct Open;

impl Drop for Open {
    fn drop(&mut self) {
        // SAFETY: removes the observer this process registered, if any.
        unsafe { ferry_flops_stop() };
    }
}

/// One count at a time per process (the shim has one counter).
static COUNTING: Mutex<()> = Mutex::new(());

/// Runs `f` and returns its result with the operations libtorch ran for it: on this thread
/// and in the autograd engine's work for it, not on other threads. A second thread's count
/// waits for the first.
pub fn count<T>(f: impl FnOnce() -> T) -> Result<(T, u64)> {
    let _one = COUNTING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // SAFETY: registers a libtorch observer; the shim reports failure through its return code.
    if unsafe { ferry_flops_start() } != 0 {
        // SAFETY: the shim keeps a NUL-terminated message per thread.
        let msg = unsafe { CStr::from_ptr(ferry_flops_error()) }.to_string_lossy().into_owned();
        return Err(Error::Training(format!("cannot count FLOPs: {msg}")));
    }
    let open = Open;
    let out = f();
    std::mem::forget(open);
    // SAFETY: closes the count opened above.
    let flops = unsafe { ferry_flops_stop() };
    Ok((out, flops))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn, nn::Module, Device, Kind, Tensor};

    #[test]
    fn counts_matrix_products_and_convolutions_with_their_backward() {
        let a = Tensor::randn([8, 16], (Kind::Float, Device::Cpu));
        let b = Tensor::randn([16, 4], (Kind::Float, Device::Cpu));
        let (_, mm) = count(|| a.mm(&b)).unwrap();
        assert_eq!(mm, 2 * 8 * 16 * 4);

        let vs = nn::VarStore::new(Device::Cpu);
        let conv = nn::conv1d(vs.root() / "c", 3, 5, 7, nn::ConvConfig { padding: 3, bias: false, ..Default::default() });
        let x = Tensor::randn([2, 3, 50], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let fwd = 2 * (2 * 5 * 50) * (3 * 7); // every output element: C_in × k multiply-adds
        let (y, f) = count(|| conv.forward(&x)).unwrap();
        assert_eq!(f, fwd);
        let (_, bwd) = count(|| y.sum(Kind::Float).backward()).unwrap();
        assert_eq!(bwd, 2 * fwd, "input and weight gradients, one forward pass each");

        // A transposed convolution counts from its input; nothing is counted outside a count.
        let up = nn::conv_transpose1d(vs.root() / "u", 3, 2, 4, nn::ConvTransposeConfig { stride: 2, bias: false, ..Default::default() });
        let (_, t) = count(|| up.forward(&x)).unwrap();
        assert_eq!(t, 2 * (2 * 3 * 50) * (2 * 4));
        let _ = a.mm(&b);
        let (_, none) = count(|| ()).unwrap();
        assert_eq!(none, 0);
    }
}
