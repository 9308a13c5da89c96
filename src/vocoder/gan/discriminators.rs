//! HiFi-GAN's discriminators (Kong et al., NeurIPS 2020): the multi-period discriminator
//! (MPD: the waveform folded into `[T / p, p]` for p = 2, 3, 5, 7, 11, each seen by a stack
//! of `(5, 1)` convolutions) and the multi-scale discriminator of MelGAN (MSD: three
//! grouped-conv stacks on the raw, ×2 and ×4 average-pooled waveform; the first is
//! spectrally normalised).
//!
//! Weight names follow the reference (`mpd.discriminators.{i}.convs.{j}`, `conv_post`;
//! `msd.discriminators.{i}.convs.{j}`). `discriminator_channel_divisor` (a Ferry
//! extension, 1 = the paper) shrinks every channel count for CPU tests.

use tch::{nn, Kind, Tensor};

use super::generator::{leaky_relu, LRELU_SLOPE};
use super::norm_convs::{SnConv1d, WnConv2d};
use crate::nn::{ConvCfg, WnConv1d};

/// The reference MPD periods.
pub const PERIODS: [i64; 5] = [2, 3, 5, 7, 11];

/// What one sub-discriminator says about a batch.
#[derive(Debug)]
pub struct DiscOutput {
    /// `[B, N]` per-patch realness scores.
    pub score: Tensor,
    /// Every layer's activation (after its leaky ReLU), `conv_post`'s output last.
    pub fmaps: Vec<Tensor>,
}

impl DiscOutput {
    /// Splits a batch that stacked `[real; fake]` into the two halves.
    pub fn split(&self, n_real: i64) -> (DiscOutput, DiscOutput) {
        let half = |t: &Tensor, first: bool| {
            let b = t.size()[0];
            if first {
                t.narrow(0, 0, n_real)
            } else {
                t.narrow(0, n_real, b - n_real)
            }
        };
        let part = |first| DiscOutput { score: half(&self.score, first), fmaps: self.fmaps.iter().map(|f| half(f, first)).collect() };
        (part(true), part(false))
    }
}

/// A sub-discriminator's stack: each conv followed by a leaky ReLU, every activation kept as
/// a feature map, then `post`, whose output is the last feature map and, flattened, the score.
fn conv_stack<C>(mut x: Tensor, convs: &[C], post: &C, forward: impl Fn(&C, &Tensor) -> Tensor) -> DiscOutput {
    let mut fmaps = Vec::with_capacity(convs.len() + 1);
    for c in convs {
        x = leaky_relu(&forward(c, &x), LRELU_SLOPE);
        fmaps.push(x.shallow_clone());
    }
    let x = forward(post, &x);
    fmaps.push(x.shallow_clone());
    DiscOutput { score: x.flatten(1, -1), fmaps }
}

/// One period of the MPD.
#[derive(Debug)]
pub struct DiscriminatorP {
    pub period: i64,
    pub convs: Vec<WnConv2d>,
    pub conv_post: WnConv2d,
}

impl DiscriminatorP {
    pub fn new(p: nn::Path, period: i64, divisor: i64) -> Self {
        let ch: Vec<i64> = [1, 32, 128, 512, 1024, 1024].iter().enumerate().map(|(i, &c)| if i == 0 { c } else { c / divisor }).collect();
        let convs = (0..5)
            .map(|j| {
                let stride = if j < 4 { 3 } else { 1 };
                WnConv2d::new(&p / "convs" / j, ch[j], ch[j + 1], 5, stride, 2)
            })
            .collect();
        let conv_post = WnConv2d::new(&p / "conv_post", ch[5], 1, 3, 1, 1);
        Self { period, convs, conv_post }
    }

    /// `[B, 1, T]` → scores and feature maps.
    pub fn forward(&self, x: &Tensor) -> DiscOutput {
        let (b, t) = (x.size()[0], x.size()[2]);
        let mut x = x.shallow_clone();
        let mut t = t;
        if t % self.period != 0 {
            let n_pad = self.period - t % self.period;
            x = x.reflection_pad1d([0, n_pad]);
            t += n_pad;
        }
        let x = x.view([b, 1, t / self.period, self.period]); // [B, 1, T/p, p]
        conv_stack(x, &self.convs, &self.conv_post, WnConv2d::forward)
    }
}

/// The multi-period discriminator.
#[derive(Debug)]
pub struct MultiPeriodDiscriminator {
    pub discriminators: Vec<DiscriminatorP>,
}

impl MultiPeriodDiscriminator {
    pub fn new(p: nn::Path, divisor: i64) -> Self {
        let discriminators = PERIODS.iter().enumerate().map(|(i, &per)| DiscriminatorP::new(&p / "discriminators" / i, per, divisor)).collect();
        Self { discriminators }
    }

    /// `[B, 1, T]` → one output per period.
    pub fn forward(&self, y: &Tensor) -> Vec<DiscOutput> {
        self.discriminators.iter().map(|d| d.forward(y)).collect()
    }
}

/// A conv of the MSD: spectral norm for the first scale, weight norm otherwise.
#[derive(Debug)]
enum NormConv {
    Weight(WnConv1d),
    Spectral(SnConv1d),
}

impl NormConv {
    #[allow(clippy::too_many_arguments)] // a Conv1d's own arguments, as the reference names them
    fn new(p: nn::Path, spectral: bool, cin: i64, cout: i64, k: i64, stride: i64, groups: i64, padding: i64) -> Self {
        if spectral {
            NormConv::Spectral(SnConv1d::new(p, cin, cout, k, stride, padding, groups))
        } else {
            NormConv::Weight(WnConv1d::new(p, cin, cout, k, ConvCfg::default().stride(stride).groups(groups).padding(padding)))
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            NormConv::Weight(c) => c.forward(x),
            NormConv::Spectral(c) => c.forward(x),
        }
    }
}

/// One scale of the MSD.
#[derive(Debug)]
pub struct DiscriminatorS {
    convs: Vec<NormConv>,
    conv_post: NormConv,
}

impl DiscriminatorS {
    pub fn new(p: nn::Path, spectral: bool, divisor: i64) -> Self {
        // (in, out, kernel, stride, groups, padding) of the reference.
        let layers: [(i64, i64, i64, i64, i64, i64); 7] = [
            (1, 128, 15, 1, 1, 7),
            (128, 128, 41, 2, 4, 20),
            (128, 256, 41, 2, 16, 20),
            (256, 512, 41, 4, 16, 20),
            (512, 1024, 41, 4, 16, 20),
            (1024, 1024, 41, 1, 16, 20),
            (1024, 1024, 5, 1, 1, 2),
        ];
        let scale = |c: i64| if c == 1 { 1 } else { c / divisor };
        let convs = layers
            .iter()
            .enumerate()
            .map(|(j, &(cin, cout, k, s, g, pad))| NormConv::new(&p / "convs" / j, spectral, scale(cin), scale(cout), k, s, (g / divisor).max(1), pad))
            .collect();
        let conv_post = NormConv::new(&p / "conv_post", spectral, scale(1024), 1, 3, 1, 1, 1);
        Self { convs, conv_post }
    }

    /// `[B, 1, T]` → scores and feature maps.
    pub fn forward(&self, x: &Tensor) -> DiscOutput {
        conv_stack(x.shallow_clone(), &self.convs, &self.conv_post, NormConv::forward)
    }
}

/// The multi-scale discriminator: scales 1, 1/2, 1/4 (AvgPool1d(4, 2, padding 2) between).
#[derive(Debug)]
pub struct MultiScaleDiscriminator {
    pub discriminators: Vec<DiscriminatorS>,
}

impl MultiScaleDiscriminator {
    pub fn new(p: nn::Path, divisor: i64) -> Self {
        let discriminators = (0..3).map(|i| DiscriminatorS::new(&p / "discriminators" / i, i == 0, divisor)).collect();
        Self { discriminators }
    }

    /// `[B, 1, T]` → one output per scale.
    pub fn forward(&self, y: &Tensor) -> Vec<DiscOutput> {
        let mut y = y.to_kind(Kind::Float);
        let mut out = Vec::with_capacity(3);
        for (i, d) in self.discriminators.iter().enumerate() {
            if i > 0 {
                y = y.avg_pool1d([4], [2], [2], false, true);
            }
            out.push(d.forward(&y));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn::VarStore, Device};

    #[test]
    fn reference_names_and_shapes() {
        tch::manual_seed(0);
        let vs = VarStore::new(Device::Cpu);
        let mpd = MultiPeriodDiscriminator::new(vs.root() / "mpd", 16);
        let msd = MultiScaleDiscriminator::new(vs.root() / "msd", 16);
        let names = vs.variables();
        for n in [
            "mpd.discriminators.4.convs.4.weight_g",
            "mpd.discriminators.0.conv_post.weight_v",
            "msd.discriminators.0.convs.6.weight_orig",
            "msd.discriminators.0.conv_post.weight_u",
            "msd.discriminators.2.convs.1.weight_v",
            "msd.discriminators.2.conv_post.bias",
        ] {
            assert!(names.contains_key(n), "{n} missing");
        }
        let y = Tensor::randn([2, 1, 1000], (Kind::Float, Device::Cpu));
        let p = mpd.forward(&y);
        assert_eq!(p.len(), 5);
        assert_eq!(p[4].fmaps.len(), 6);
        assert_eq!(p[0].score.size()[0], 2);
        let s = msd.forward(&y);
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].fmaps.len(), 8);
        let (r, f) = s[2].split(1);
        assert_eq!(r.score.size()[0], 1);
        assert_eq!(f.fmaps[0].size()[0], 1);
    }

    #[test]
    fn full_size_discriminators_match_the_paper_parameter_counts() {
        let vs = VarStore::new(Device::Cpu);
        let _mpd = MultiPeriodDiscriminator::new(vs.root() / "mpd", 1);
        let mpd_params = crate::nn::parameter_count(&vs);
        // 5 periods × (weight-normed convs 32-128-512-1024-1024 + post): 41.1 M.
        assert!((41_000_000..41_200_000).contains(&mpd_params), "{mpd_params}");
    }
}
