//! CUDA graphs: a fixed sequence of libtorch ops recorded once and launched again with one
//! call ("CUDA Graphs", CUDA C++ Programming Guide; libtorch's `at::cuda::CUDAGraph`, reached
//! through the shim `cuda_graph.cpp` because tch does not expose it).
//!
//! A replay runs the recorded kernels on the same memory: inputs are copied into tensors that
//! existed at capture, outputs are read from tensors the recorded ops wrote. It pays off where
//! launching a kernel costs more than running it, as in WaveRNN's sampling loop (about twenty
//! tiny kernels per audio sample).

use std::ffi::CStr;
use std::os::raw::c_char;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use tch::Device;

use crate::error::{panic_message, Error, Result};

/// The shim's graph (opaque).
#[repr(C)]
struct FerryGraph {
    _private: [u8; 0],
}

extern "C" {
    fn ferry_cuda_graph_compiled() -> bool;
    fn ferry_cuda_graph_error() -> *const c_char;
    fn ferry_cuda_graph_new(device: i32, out: *mut *mut FerryGraph) -> i32;
    fn ferry_cuda_graph_side_stream(g: *mut FerryGraph, on: bool) -> i32;
    fn ferry_cuda_graph_capture_begin(g: *mut FerryGraph) -> i32;
    fn ferry_cuda_graph_capture_end(g: *mut FerryGraph) -> i32;
    fn ferry_cuda_graph_replay(g: *mut FerryGraph) -> i32;
    fn ferry_cuda_graph_free(g: *mut FerryGraph);
}

fn check(code: i32) -> Result<()> {
    if code == 0 {
        return Ok(());
    }
    // SAFETY: the shim returns a pointer to its thread-local, NUL-terminated message.
    let msg = unsafe { CStr::from_ptr(ferry_cuda_graph_error()) }.to_string_lossy();
    let msg = msg.lines().next().unwrap_or("unknown error").to_string();
    Err(Error::Device(format!("CUDA graph: {msg}")))
}

/// A captured graph, replayed on the stream that was current when it was captured.
#[derive(Debug)]
pub struct CudaGraph {
    ptr: *mut FerryGraph,
}

// SAFETY: the graph is plain data owned by this handle; libtorch allows replaying it from
// any thread (one at a time, which `&mut`/`Mutex` ownership of the handle gives).
unsafe impl Send for CudaGraph {}

impl CudaGraph {
    /// Whether this build can capture graphs (it still needs a CUDA device to do so).
    pub fn compiled() -> bool {
        // SAFETY: reads a constant.
        unsafe { ferry_cuda_graph_compiled() }
    }

    /// Whether graphs can be captured on `device`.
    pub fn available(device: Device) -> bool {
        device.is_cuda() && Self::compiled()
    }

    /// Runs `warmup` eagerly, then records `body`, both on a side stream of `device` (the
    /// warm-up lets libtorch make its lazy allocations, such as cuBLAS workspaces, before
    /// recording). `body`'s work is only recorded: it runs at [`CudaGraph::replay`]. A panic
    /// of libtorch inside either closure ends the capture and becomes an error.
    pub fn capture(device: Device, warmup: impl FnOnce(), body: impl FnOnce()) -> Result<Self> {
        let Device::Cuda(index) = device else {
            return Err(Error::Device(format!("CUDA graphs need a CUDA device, not {device:?}")));
        };
        let mut ptr = std::ptr::null_mut();
        // SAFETY: `ptr` is written by the shim; it is freed by `Drop` once owned by `graph`.
        check(unsafe { ferry_cuda_graph_new(index as i32, &mut ptr) })?;
        let graph = CudaGraph { ptr };
        // SAFETY (this and the calls below): `ptr` is a live graph owned by `graph`.
        check(unsafe { ferry_cuda_graph_side_stream(ptr, true) })?;
        let recorded = catch_unwind(AssertUnwindSafe(|| -> Result<()> {
            warmup();
            check(unsafe { ferry_cuda_graph_capture_begin(ptr) })?;
            let body = catch_unwind(AssertUnwindSafe(body));
            // Capture must end even when the body failed, or the stream stays in capture mode.
            let ended = check(unsafe { ferry_cuda_graph_capture_end(ptr) });
            match body {
                Ok(()) => ended,
                Err(payload) => resume_unwind(payload),
            }
        }));
        let restored = check(unsafe { ferry_cuda_graph_side_stream(ptr, false) });
        match recorded {
            Ok(result) => result?,
            Err(payload) => return Err(Error::Device(format!("CUDA graph capture failed: {}", panic_message(payload.as_ref())))),
        }
        restored?;
        Ok(graph)
    }

    /// Launches the recorded work on the current stream.
    pub fn replay(&self) -> Result<()> {
        // SAFETY: `ptr` is a live, captured graph.
        check(unsafe { ferry_cuda_graph_replay(self.ptr) })
    }
}

impl Drop for CudaGraph {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `ferry_cuda_graph_new` and is freed once.
        unsafe { ferry_cuda_graph_free(self.ptr) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_needs_a_cuda_device() {
        let err = CudaGraph::capture(Device::Cpu, || {}, || {}).unwrap_err().to_string();
        assert!(err.contains("need a CUDA device"), "{err}");
        assert!(!CudaGraph::available(Device::Cpu));
    }
}
