//! Seeded Gaussian noise that is the same on every device: drawn on the CPU from a
//! seeded generator (Box-Muller), then moved. Used by the sampling vocoders.

use rand::rngs::StdRng;
use rand::Rng;
use tch::{Device, Tensor};

/// Standard normal noise of shape `dims` from `rng`.
pub fn gaussian(rng: &mut StdRng, dims: &[i64], device: Device) -> Tensor {
    let n: i64 = dims.iter().product();
    let mut v = Vec::with_capacity(n.max(0) as usize + 1);
    while (v.len() as i64) < n {
        let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]
        let u2: f64 = rng.gen();
        let r = (-2.0 * u1.ln()).sqrt();
        let th = 2.0 * std::f64::consts::PI * u2;
        v.push((r * th.cos()) as f32);
        v.push((r * th.sin()) as f32);
    }
    v.truncate(n.max(0) as usize);
    Tensor::from_slice(&v).view(dims).to_device(device)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    #[test]
    fn seeded_standard_normal() {
        let mut a = rand::rngs::StdRng::seed_from_u64(1);
        let mut b = rand::rngs::StdRng::seed_from_u64(1);
        let x = super::gaussian(&mut a, &[3, 20_001], tch::Device::Cpu);
        assert!(x.equal(&super::gaussian(&mut b, &[3, 20_001], tch::Device::Cpu)));
        let (m, s) = (x.mean(tch::Kind::Float).double_value(&[]), x.std(true).double_value(&[]));
        assert!(m.abs() < 0.02 && (s - 1.0).abs() < 0.02, "mean {m} std {s}");
    }
}
