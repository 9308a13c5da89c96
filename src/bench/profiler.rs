//! Where the time goes: libtorch's Kineto profiler (the engine of PyTorch's `torch.profiler`),
//! reached through the shim `profiler.cpp` because tch does not expose it.
//!
//! `ferry --profile trace.json <command>` records every libtorch op of the command and, on a
//! GPU, every CUDA kernel; it writes a Chrome trace (open it in ui.perfetto.dev or
//! chrome://tracing) and prints the kernels and ops that took the most time, with how often
//! they ran — the count is what tells launch-bound loops from compute-bound ones.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::path::Path;

use crate::error::{Error, Result};

type RowFn = extern "C" fn(ctx: *mut c_void, name: *const c_char, on_device: bool, count: u64, total_ns: u64);

extern "C" {
    fn ferry_profiler_error() -> *const c_char;
    fn ferry_profiler_start(cuda: bool) -> i32;
    fn ferry_profiler_stop(trace: *const c_char, row: RowFn, ctx: *mut c_void) -> i32;
}

fn check(code: i32) -> Result<()> {
    if code == 0 {
        return Ok(());
    }
    // SAFETY: the shim returns a pointer to its thread-local, NUL-terminated message.
    let msg = unsafe { CStr::from_ptr(ferry_profiler_error()) }.to_string_lossy();
    Err(Error::External(format!("profiler: {}", msg.lines().next().unwrap_or("unknown error"))))
}

/// Total time of one op or kernel name.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    /// A kernel that ran on the GPU (otherwise a libtorch op on the CPU).
    pub on_device: bool,
    pub count: u64,
    pub total_s: f64,
}

/// A recording in progress; [`Recording::stop`] ends it (dropping it ends it too, unread).
#[derive(Debug)]
pub struct Recording {
    running: bool,
}

/// Starts recording this thread's libtorch ops, and CUDA kernels when `cuda`.
pub fn start(cuda: bool) -> Result<Recording> {
    // SAFETY: starts libtorch's profiler; no pointers cross.
    check(unsafe { ferry_profiler_start(cuda) })?;
    Ok(Recording { running: true })
}

extern "C" fn collect(ctx: *mut c_void, name: *const c_char, on_device: bool, count: u64, total_ns: u64) {
    // SAFETY: `ctx` is the `Vec<Row>` that `stop` passes for the duration of the call, and
    // `name` a NUL-terminated string the shim keeps alive while calling.
    let rows = unsafe { &mut *(ctx as *mut Vec<Row>) };
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned();
    rows.push(Row { name, on_device, count, total_s: total_ns as f64 * 1e-9 });
}

impl Recording {
    /// Stops recording, writes the Chrome trace to `trace` if given, and returns the totals
    /// per name.
    pub fn stop(mut self, trace: Option<&Path>) -> Result<Vec<Row>> {
        self.running = false;
        let trace = trace
            .map(|p| CString::new(p.to_string_lossy().as_bytes()).map_err(|_| Error::arg(format!("{}: a path with a NUL byte", p.display()))))
            .transpose()?;
        let mut rows: Vec<Row> = Vec::new();
        let trace_ptr = trace.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: `trace_ptr` is null or a live C string; `collect` only touches `rows`.
        check(unsafe { ferry_profiler_stop(trace_ptr, collect, &mut rows as *mut Vec<Row> as *mut c_void) })?;
        Ok(rows)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if self.running {
            extern "C" fn ignore(_: *mut c_void, _: *const c_char, _: bool, _: u64, _: u64) {}
            // SAFETY: stops the recording started by `start`; nothing is written or kept.
            let _ = unsafe { ferry_profiler_stop(std::ptr::null(), ignore, std::ptr::null_mut()) };
        }
    }
}

/// The `top` GPU kernels (if any ran) and libtorch ops by total time, as Markdown tables. Op
/// times include the ops they call (`aten::conv1d` includes its convolution).
pub fn report(rows: &[Row], top: usize) -> String {
    let mut out = String::new();
    for (on_device, title) in [(true, "GPU kernels"), (false, "libtorch ops (CPU time, including the ops they call)")] {
        let mut rows: Vec<&Row> = rows.iter().filter(|r| r.on_device == on_device).collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by(|a, b| b.total_s.total_cmp(&a.total_s));
        let calls: u64 = rows.iter().map(|r| r.count).sum();
        let kernel_time: f64 = rows.iter().map(|r| r.total_s).sum();
        out.push_str(&format!("{title}: {} names, {calls} calls\n\n", rows.len()));
        out.push_str("| name | calls | total ms | mean µs |");
        out.push_str(if on_device { " share |\n|---|---:|---:|---:|---:|\n" } else { "\n|---|---:|---:|---:|\n" });
        for r in rows.iter().take(top) {
            let name: String = if r.name.chars().count() > 72 { r.name.chars().take(71).chain(['…']).collect() } else { r.name.clone() };
            let name = name.replace('|', "\\|");
            let mean_us = r.total_s * 1e6 / r.count.max(1) as f64;
            out.push_str(&format!("| {name} | {} | {:.3} | {mean_us:.1} |", r.count, r.total_s * 1e3));
            if on_device {
                out.push_str(&format!(" {:.1} % |", 100.0 * r.total_s / kernel_time.max(f64::MIN_POSITIVE)));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind, Tensor};

    #[test]
    fn records_ops_with_their_counts_and_writes_a_trace() {
        let dir = tempfile::tempdir().unwrap();
        let trace = dir.path().join("trace.json");
        let a = Tensor::ones([64, 64], (Kind::Float, Device::Cpu));
        let rec = start(false).unwrap();
        for _ in 0..7 {
            let _ = a.logaddexp2(&a);
        }
        let rows = rec.stop(Some(&trace)).unwrap();
        let mm = rows.iter().find(|r| r.name == "aten::logaddexp2").expect("aten::logaddexp2 recorded");
        assert_eq!(mm.count, 7);
        assert!(mm.total_s > 0.0 && !mm.on_device);
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
        let events = json["traceEvents"].as_array().unwrap();
        assert!(events.iter().any(|e| e["name"] == "aten::logaddexp2"));
        let table = report(&rows, 5);
        assert!(table.contains("| aten::logaddexp2 | 7 |"), "{table}");
        assert!(!table.contains("GPU kernels"));
    }
}
