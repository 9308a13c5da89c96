//! Faster CPU forms of convolutions for inference.
//!
//! - [`pointwise`]: a 1x1 convolution is a matrix product; as one GEMM (`addmm`) it ran
//!   2.4x faster than libtorch's `conv1d` in isolation on this project's 2-core CPU
//!   (256 → 512 channels, 2048 steps: 3.3 ms vs 8.0 ms); inside WaveGlow's inverse it cut
//!   the time by 5 %.
//! - [`to_channels_last`]: the layout whose oneDNN convolutions need no reorders
//!   (HiFi-GAN's inference form).
//!
//! Both give the same numbers as the plain forms up to float rounding.

use tch::Tensor;

/// A 1x1 convolution as a matrix product: `x` `[B, C, T]`, `w` `[O, C, 1]` or `[O, C]`,
/// `b` `[O]` → `[B, O, T]`.
pub fn pointwise(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    let w2 = if w.dim() == 3 { w.squeeze_dim(2) } else { w.shallow_clone() }; // [O, C]
    let (batch, o) = (x.size()[0], w2.size()[0]);
    if batch == 1 {
        let x2 = x.squeeze_dim(0); // [C, T]
        let y = match b {
            Some(b) => b.unsqueeze(1).addmm(&w2, &x2),
            None => w2.matmul(&x2),
        };
        return y.unsqueeze(0);
    }
    let y = w2.matmul(x); // [B, O, T]
    match b {
        Some(b) => y + b.view([1, o, 1]),
        None => y,
    }
}

/// `[B, C, T]` → `[B, C, 1, T]` in channels-last layout (physically `[B, T, C]`).
pub fn to_channels_last(x: &Tensor) -> Tensor {
    x.transpose(1, 2).contiguous().transpose(1, 2).unsqueeze(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
        (a - b).abs().max().double_value(&[])
    }

    #[test]
    fn pointwise_matches_conv1d() {
        tch::manual_seed(0);
        for batch in [1, 3] {
            let x = Tensor::randn([batch, 16, 40], (Kind::Float, Device::Cpu));
            let w = Tensor::randn([24, 16, 1], (Kind::Float, Device::Cpu));
            let b = Tensor::randn([24], (Kind::Float, Device::Cpu));
            let want = x.conv1d(&w, Some(&b), [1], [0], [1], 1);
            assert!(max_diff(&pointwise(&x, &w, Some(&b)), &want) < 1e-4);
            let want = x.conv1d(&w, None::<Tensor>, [1], [0], [1], 1);
            assert!(max_diff(&pointwise(&x, &w, None), &want) < 1e-4);
        }
    }
}
