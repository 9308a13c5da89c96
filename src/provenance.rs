//! Where a result came from: the revision of the code, the date, and the machine (host,
//! CPU, GPU). Training logs, voice packs, eval reports and benchmark records all carry these.

use tch::Device;

/// The git revision of the working tree, when git is available.
pub fn git_revision() -> String {
    // A binary carried to a machine without the repository is told its revision.
    if let Some(rev) = std::env::var("FERRY_REVISION").ok().filter(|r| !r.trim().is_empty()) {
        return rev.trim().to_string();
    }
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The current UTC date and time as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, Hinnant).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Proleptic Gregorian (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Host name (for result file names and records).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// CPU model and logical core count, e.g. "AMD EPYC 7B13 (2 cores)".
pub fn cpu_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model} ({cores} cores)")
}

/// GPU name of a CUDA device from `nvidia-smi`, when it can be asked.
pub fn gpu_description(device: Device) -> Option<String> {
    let Device::Cuda(n) = device else { return None };
    let out = std::process::Command::new("nvidia-smi").args(["--query-gpu=name", "--format=csv,noheader", &format!("--id={n}")]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The machine a run trains on: the GPU's name, or the CPU model with its cores.
pub fn describe_hardware(device: Device) -> String {
    gpu_description(device).unwrap_or_else(cpu_description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(utc_now().len(), 20);
    }

    #[test]
    fn describes_this_machine() {
        assert!(!hostname().is_empty());
        assert!(cpu_description().contains("cores"));
        assert_eq!(gpu_description(Device::Cpu), None);
        assert_eq!(describe_hardware(Device::Cpu), cpu_description());
    }
}
