//! Weight-normalised 1-D convolutions.
//!
//! T. Salimans and D. P. Kingma, "Weight normalization: a simple reparameterization to
//! accelerate training of deep neural networks", NeurIPS 2016: `w = g · v / ‖v‖`, the norm
//! taken over every dimension but the first (PyTorch's `weight_norm(module, dim=0)`).
//! Parameter names are PyTorch's (`weight_g`, `weight_v`, `bias`), so reference
//! checkpoints load by name. For inference, [`WnConv1d::fold`] computes `w` once.

use tch::{nn, nn::Init, Tensor};

/// Geometry of a 1-D convolution.
#[derive(Debug, Clone, Copy)]
pub struct ConvCfg {
    pub stride: i64,
    pub padding: i64,
    pub dilation: i64,
    pub groups: i64,
    pub bias: bool,
    /// Initialisation of `weight_v` (`weight_g` starts at `‖v‖`, so `w = v` at first).
    pub init: Init,
}

impl Default for ConvCfg {
    fn default() -> Self {
        // PyTorch's Conv1d default (kaiming-uniform with a = sqrt(5)) ~ uniform(±1/sqrt(fan_in)).
        Self { stride: 1, padding: 0, dilation: 1, groups: 1, bias: true, init: Init::Const(f64::NAN) }
    }
}

impl ConvCfg {
    pub fn padding(mut self, p: i64) -> Self {
        self.padding = p;
        self
    }
    pub fn dilation(mut self, d: i64) -> Self {
        self.dilation = d;
        self
    }
    pub fn stride(mut self, s: i64) -> Self {
        self.stride = s;
        self
    }
    pub fn groups(mut self, g: i64) -> Self {
        self.groups = g;
        self
    }
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    pub fn no_bias(mut self) -> Self {
        self.bias = false;
        self
    }
}

/// Padding that keeps the length of a stride-1 convolution: `(k·d − d) / 2`.
pub fn same_padding(kernel: i64, dilation: i64) -> i64 {
    (kernel * dilation - dilation) / 2
}

/// `‖v‖` over every dimension but the first, shaped to broadcast (`[C, 1, 1]`).
fn norm_except_dim0(v: &Tensor) -> Tensor {
    v.square().sum_dim_intlist([1i64, 2].as_slice(), true, v.kind()).sqrt()
}

/// The folded weight when there is one, else `g · v / ‖v‖`.
fn effective_weight(g: &Tensor, v: &Tensor, folded: &Option<Tensor>) -> Tensor {
    match folded {
        Some(w) => w.shallow_clone(),
        None => g * v / norm_except_dim0(v),
    }
}

fn make_v(p: &nn::Path, dims: &[i64], fan_in: i64, init: Init) -> Tensor {
    let init = match init {
        Init::Const(c) if c.is_nan() => {
            let bound = 1.0 / (fan_in as f64).sqrt();
            Init::Uniform { lo: -bound, up: bound }
        }
        other => other,
    };
    p.var("weight_v", dims, init)
}

fn make_g_and_bias(p: &nn::Path, v: &Tensor, bias_len: i64, fan_in: i64, bias: bool) -> (Tensor, Option<Tensor>) {
    let g = p.var_copy("weight_g", &tch::no_grad(|| norm_except_dim0(v)));
    let bound = 1.0 / (fan_in as f64).sqrt();
    let b = bias.then(|| p.var("bias", &[bias_len], Init::Uniform { lo: -bound, up: bound }));
    (g, b)
}

/// Weight-normalised `Conv1d`: weight `[out, in / groups, k]`.
#[derive(Debug)]
pub struct WnConv1d {
    pub weight_g: Tensor,
    pub weight_v: Tensor,
    pub bias: Option<Tensor>,
    pub cfg: ConvCfg,
    folded: Option<Tensor>,
}

impl WnConv1d {
    pub fn new(p: nn::Path, in_channels: i64, out_channels: i64, kernel: i64, cfg: ConvCfg) -> Self {
        let fan_in = in_channels / cfg.groups * kernel;
        let v = make_v(&p, &[out_channels, in_channels / cfg.groups, kernel], fan_in, cfg.init);
        let (g, bias) = make_g_and_bias(&p, &v, out_channels, fan_in, cfg.bias);
        Self { weight_g: g, weight_v: v, bias, cfg, folded: None }
    }

    /// `g · v / ‖v‖` (or the folded weight).
    pub fn weight(&self) -> Tensor {
        effective_weight(&self.weight_g, &self.weight_v, &self.folded)
    }

    /// Computes the weight once and uses it from now on (inference).
    pub fn fold(&mut self) {
        self.folded = Some(tch::no_grad(|| self.weight()).detach());
    }

    /// Forgets a folded weight (after the parameters changed, e.g. more training).
    pub fn unfold(&mut self) {
        self.folded = None;
    }

    /// `[B, in, T]` → `[B, out, T']`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let c = &self.cfg;
        x.conv1d(&self.weight(), self.bias.as_ref(), [c.stride], [c.padding], [c.dilation], c.groups)
    }
}

/// Weight-normalised `ConvTranspose1d`: weight `[in, out / groups, k]` (norm over dims 1, 2
/// per input channel, as PyTorch's `weight_norm(dim=0)` does for this layout).
#[derive(Debug)]
pub struct WnConvTranspose1d {
    pub weight_g: Tensor,
    pub weight_v: Tensor,
    pub bias: Option<Tensor>,
    pub cfg: ConvCfg,
    pub output_padding: i64,
    folded: Option<Tensor>,
}

impl WnConvTranspose1d {
    pub fn new(p: nn::Path, in_channels: i64, out_channels: i64, kernel: i64, cfg: ConvCfg) -> Self {
        let fan_in = out_channels / cfg.groups * kernel;
        let v = make_v(&p, &[in_channels, out_channels / cfg.groups, kernel], fan_in, cfg.init);
        let (g, bias) = make_g_and_bias(&p, &v, out_channels, fan_in, cfg.bias);
        Self { weight_g: g, weight_v: v, bias, cfg, output_padding: 0, folded: None }
    }

    pub fn weight(&self) -> Tensor {
        effective_weight(&self.weight_g, &self.weight_v, &self.folded)
    }

    pub fn fold(&mut self) {
        self.folded = Some(tch::no_grad(|| self.weight()).detach());
    }

    pub fn unfold(&mut self) {
        self.folded = None;
    }

    /// `[B, in, T]` → `[B, out, (T − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let c = &self.cfg;
        x.conv_transpose1d(&self.weight(), self.bias.as_ref(), [c.stride], [c.padding], [self.output_padding], c.groups, [c.dilation])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn starts_as_plain_weight_and_folds_exactly() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let mut conv = WnConv1d::new(vs.root() / "c", 4, 6, 3, ConvCfg::default().padding(same_padding(3, 2)).dilation(2));
        let names: Vec<String> = {
            let mut v: Vec<_> = vs.variables().into_keys().collect();
            v.sort();
            v
        };
        assert_eq!(names, ["c.bias", "c.weight_g", "c.weight_v"]);
        assert_eq!(conv.weight_g.size(), [6, 1, 1]);
        let max_diff = (conv.weight() - &conv.weight_v).abs().max().double_value(&[]);
        assert!(max_diff < 1e-6);
        // Changing g rescales the output channel.
        let _ = tch::no_grad(|| conv.weight_g.get(0).fill_(2.0 * conv.weight_g.get(0).double_value(&[0, 0])));
        let x = Tensor::randn([2, 4, 17], (Kind::Float, Device::Cpu));
        let y = conv.forward(&x);
        assert_eq!(y.size(), [2, 6, 17]);
        conv.fold();
        let d = (conv.forward(&x) - &y).abs().max().double_value(&[]);
        assert!(d <= 1e-6, "folded differs by {d}");
    }

    #[test]
    fn transpose_shapes_and_gradients() {
        tch::manual_seed(1);
        let vs = nn::VarStore::new(Device::Cpu);
        let up = WnConvTranspose1d::new(vs.root() / "up", 8, 4, 16, ConvCfg::default().stride(8).padding(4));
        assert_eq!(up.weight_g.size(), [8, 1, 1]);
        let x = Tensor::randn([1, 8, 10], (Kind::Float, Device::Cpu));
        let y = up.forward(&x);
        assert_eq!(y.size(), [1, 4, 80]);
        y.sum(Kind::Float).backward();
        assert!(up.weight_g.grad().defined() && up.weight_v.grad().abs().sum(Kind::Float).double_value(&[]) > 0.0);
    }
}
