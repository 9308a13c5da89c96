//! Choosing where and how wide to compute: `--device auto|cpu|cuda[:N]`, `--threads`, `--seed`.

use std::str::FromStr;

use tch::Device;

use crate::error::{Error, Result};

/// What the user asked for with `--device`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// CUDA device 0 when one is usable, else the CPU.
    #[default]
    Auto,
    Cpu,
    Cuda(usize),
}

impl FromStr for DeviceChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda(0)),
            _ => match s.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(n)) => Ok(DeviceChoice::Cuda(n)),
                _ => Err(Error::arg(format!("unknown device '{s}'; use auto, cpu, cuda or cuda:N"))),
            },
        }
    }
}

impl std::fmt::Display for DeviceChoice {
    /// The `--device` spelling, so a choice can be passed on to another `ferry` process.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceChoice::Auto => f.write_str("auto"),
            DeviceChoice::Cpu => f.write_str("cpu"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl DeviceChoice {
    /// Resolves to a `tch::Device`, failing clearly when a requested GPU is not there.
    pub fn resolve(self) -> Result<Device> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => Ok(if tch::Cuda::is_available() { Device::Cuda(0) } else { Device::Cpu }),
            DeviceChoice::Cuda(n) => {
                let count = if tch::Cuda::is_available() { tch::Cuda::device_count() as usize } else { 0 };
                if n < count {
                    Ok(Device::Cuda(n))
                } else if count == 0 {
                    Err(Error::Device("no CUDA GPU is usable on this machine (or this libtorch has no CUDA); use --device cpu".into()))
                } else {
                    Err(Error::Device(format!("cuda:{n} requested but only {count} CUDA device(s) exist")))
                }
            }
        }
    }
}

/// Human-readable device name for logs and benchmark records.
pub fn describe(device: Device) -> String {
    match device {
        Device::Cpu => format!("cpu ({} threads)", tch::get_num_threads()),
        Device::Cuda(n) => format!("cuda:{n}"),
        other => format!("{other:?}"),
    }
}

/// Default intra-op thread count: every logical core, at most 8. Measured on a 2-vCPU
/// machine with `OMP_WAIT_POLICY=PASSIVE`: 2 threads ran vocoders 1.4-1.8x faster than 1.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(8)
}

/// Sets libtorch's intra-op thread count (0 = [`default_threads`]).
pub fn set_threads(n: usize) {
    let n = if n == 0 { default_threads() } else { n };
    tch::set_num_threads(n as i32);
}

/// Seeds libtorch's CPU and CUDA generators.
pub fn seed_everything(seed: u64) {
    tch::manual_seed(seed as i64);
    if tch::Cuda::is_available() {
        tch::Cuda::manual_seed_all(seed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_strings() {
        assert_eq!("auto".parse::<DeviceChoice>().unwrap(), DeviceChoice::Auto);
        assert_eq!("CPU".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cpu);
        assert_eq!("cuda".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cuda(0));
        assert_eq!("cuda:2".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cuda(2));
        assert!("tpu".parse::<DeviceChoice>().is_err());
        assert!("cuda:x".parse::<DeviceChoice>().is_err());
    }

    #[test]
    fn cpu_always_resolves() {
        assert_eq!(DeviceChoice::Cpu.resolve().unwrap(), Device::Cpu);
        let auto = DeviceChoice::Auto.resolve().unwrap();
        assert!(auto == Device::Cpu || matches!(auto, Device::Cuda(0)));
    }
}
