//! How much memory a benchmark used (what it ran on is [`crate::provenance`]): peak
//! resident memory from `/proc/self/status` (VmHWM, reset through `/proc/self/clear_refs`),
//! and on CUDA the GPU memory the process holds as `nvidia-smi` reports it.

use tch::Device;

/// The name as safe for a file name: ASCII letters, digits, '-' and '_' only.
pub fn file_safe(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if s.is_empty() {
        "unknown".into()
    } else {
        s
    }
}

/// Resets the process's peak-RSS counter so the next [`peak_rss_mib`] covers only what
/// follows. Returns false where the kernel does not allow it (then the peak covers the
/// whole process lifetime).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory of this process in MiB (VmHWM), on Linux.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// GPU memory this process holds on `device` in MiB, from `nvidia-smi`. libtorch's
/// caching allocator keeps its peak reservation, so read after a run this is the run's
/// peak reserved memory plus the CUDA context.
pub fn gpu_memory_mib(device: Device) -> Option<f64> {
    let Device::Cuda(n) = device else { return None };
    let out = std::process::Command::new("nvidia-smi")
        .args(["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits", &format!("--id={n}")])
        .output()
        .ok()?;
    let me = std::process::id().to_string();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(','))
        .find(|(pid, _)| pid.trim() == me)
        .and_then(|(_, mib)| mib.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_this_machine() {
        assert_eq!(file_safe("a b/c.d_e-1"), "a-b-c-d_e-1");
        if let Some(p) = peak_rss_mib() {
            assert!(p > 1.0);
        }
        assert_eq!(gpu_memory_mib(Device::Cpu), None);
    }
}
