//! The two normalised convolutions HiFi-GAN's discriminators need besides
//! [`crate::nn::WnConv1d`]: a weight-normalised `Conv2d` with a `(k, 1)` kernel (the
//! multi-period discriminator) and a spectrally normalised `Conv1d` (the first scale of the
//! multi-scale discriminator).
//!
//! T. Salimans and D. P. Kingma, "Weight normalization", NeurIPS 2016; T. Miyato et al.,
//! "Spectral normalization for generative adversarial networks", ICLR 2018. Names follow
//! PyTorch's `weight_norm` (`weight_g`, `weight_v`) and `spectral_norm` (`weight_orig`,
//! buffers `weight_u`, `weight_v`), as in the reference checkpoints.

use std::cell::Cell;

use tch::{nn, nn::Init, Kind, Tensor};

/// Weight-normalised `Conv2d`: kernel `(k, 1)`, stride `(s, 1)`, padding `(p, 0)` for the
/// multi-period discriminator ([`WnConv2d::new`]), any 2-D shape for the multi-resolution one
/// ([`WnConv2d::with_shape`]).
#[derive(Debug)]
pub struct WnConv2d {
    /// `[out, 1, 1, 1]`.
    pub weight_g: Tensor,
    /// `[out, in, kh, kw]`.
    pub weight_v: Tensor,
    pub bias: Tensor,
    stride: [i64; 2],
    padding: [i64; 2],
}

impl WnConv2d {
    pub fn new(p: nn::Path, in_channels: i64, out_channels: i64, kernel: i64, stride: i64, padding: i64) -> Self {
        Self::with_shape(p, in_channels, out_channels, [kernel, 1], [stride, 1], [padding, 0])
    }

    pub fn with_shape(p: nn::Path, in_channels: i64, out_channels: i64, kernel: [i64; 2], stride: [i64; 2], padding: [i64; 2]) -> Self {
        let bound = 1.0 / ((in_channels * kernel[0] * kernel[1]) as f64).sqrt();
        let weight_v = p.var("weight_v", &[out_channels, in_channels, kernel[0], kernel[1]], Init::Uniform { lo: -bound, up: bound });
        let norm = tch::no_grad(|| norm_except_dim0(&weight_v));
        let weight_g = p.var_copy("weight_g", &norm);
        let bias = p.var("bias", &[out_channels], Init::Uniform { lo: -bound, up: bound });
        Self { weight_g, weight_v, bias, stride, padding }
    }

    /// `[B, in, H, W]` → `[B, out, H', W']`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let w = &self.weight_g * &self.weight_v / norm_except_dim0(&self.weight_v);
        x.conv2d(&w, Some(&self.bias), self.stride, self.padding, [1, 1], 1)
    }
}

/// `‖v‖` over every dimension but the first, keeping dims for broadcasting.
fn norm_except_dim0(v: &Tensor) -> Tensor {
    let dims: Vec<i64> = (1..v.dim() as i64).collect();
    v.square().sum_dim_intlist(dims.as_slice(), true, Kind::Float).sqrt()
}

/// Spectrally normalised `Conv1d`: `w = weight_orig / σ`, σ estimated by one power
/// iteration per training forward (PyTorch's `spectral_norm`, `n_power_iterations = 1`).
#[derive(Debug)]
pub struct SnConv1d {
    /// `[out, in / groups, k]`.
    pub weight_orig: Tensor,
    /// `[out]` left singular vector estimate (buffer).
    pub weight_u: Tensor,
    /// `[in / groups · k]` right singular vector estimate (buffer).
    pub weight_v: Tensor,
    pub bias: Tensor,
    stride: i64,
    padding: i64,
    groups: i64,
    /// Power iterations run in `forward` only while training.
    training: Cell<bool>,
}

const SN_EPS: f64 = 1e-12;

fn normalize(x: &Tensor) -> Tensor {
    x / x.norm().clamp_min(SN_EPS)
}

impl SnConv1d {
    pub fn new(p: nn::Path, in_channels: i64, out_channels: i64, kernel: i64, stride: i64, padding: i64, groups: i64) -> Self {
        let fan_in = in_channels / groups * kernel;
        let bound = 1.0 / (fan_in as f64).sqrt();
        let weight_orig = p.var("weight_orig", &[out_channels, in_channels / groups, kernel], Init::Uniform { lo: -bound, up: bound });
        let weight_u = p.zeros_no_train("weight_u", &[out_channels]);
        let weight_v = p.zeros_no_train("weight_v", &[fan_in]);
        tch::no_grad(|| {
            let dev = weight_orig.device();
            let mut u = weight_u.shallow_clone();
            let mut v = weight_v.shallow_clone();
            u.copy_(&normalize(&Tensor::randn([out_channels], (Kind::Float, dev))));
            v.copy_(&normalize(&Tensor::randn([fan_in], (Kind::Float, dev))));
        });
        let bias = p.var("bias", &[out_channels], Init::Uniform { lo: -bound, up: bound });
        Self { weight_orig, weight_u, weight_v, bias, stride, padding, groups, training: Cell::new(true) }
    }

    pub fn set_training(&self, training: bool) {
        self.training.set(training);
    }

    /// The normalised weight (updates `u`, `v` first when training).
    pub fn weight(&self) -> Tensor {
        let out = self.weight_orig.size()[0];
        let mat = self.weight_orig.view([out, -1]); // [out, in·k]
        if self.training.get() {
            tch::no_grad(|| {
                let v = normalize(&mat.detach().tr().mv(&self.weight_u));
                let u = normalize(&mat.detach().mv(&v));
                self.weight_v.shallow_clone().copy_(&v);
                self.weight_u.shallow_clone().copy_(&u);
            });
        }
        let sigma = self.weight_u.dot(&mat.mv(&self.weight_v));
        &self.weight_orig / sigma
    }

    /// `[B, in, T]` → `[B, out, T']`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.conv1d(&self.weight(), Some(&self.bias), [self.stride], [self.padding], [1], self.groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn::VarStore, Device};

    #[test]
    fn spectral_norm_brings_the_top_singular_value_to_one() {
        tch::manual_seed(3);
        let vs = VarStore::new(Device::Cpu);
        let c = SnConv1d::new(vs.root() / "c", 6, 8, 5, 1, 2, 1);
        let mut w = c.weight();
        for _ in 0..300 {
            w = c.weight();
        }
        let s = w.view([8, -1]).svd(true, false).1.double_value(&[0]);
        assert!((s - 1.0).abs() < 1e-3, "top singular value {s}");
        let names: Vec<String> = vs.variables().into_keys().collect();
        for n in ["c.weight_orig", "c.weight_u", "c.weight_v", "c.bias"] {
            assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
        }
        assert_eq!(vs.trainable_variables().len(), 2);
    }

    #[test]
    fn weight_norm_2d_starts_at_v() {
        tch::manual_seed(4);
        let vs = VarStore::new(Device::Cpu);
        let c = WnConv2d::new(vs.root() / "c", 1, 4, 5, 3, 2);
        let x = Tensor::randn([2, 1, 30, 3], (Kind::Float, Device::Cpu));
        let y = c.forward(&x);
        assert_eq!(y.size(), [2, 4, 10, 3]);
        let plain = x.conv2d(&c.weight_v, Some(&c.bias), [3, 1], [2, 0], [1, 1], 1);
        assert!((y - plain).abs().max().double_value(&[]) < 1e-5);
    }
}
