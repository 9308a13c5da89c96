//! WaveGlow inference: latent → audio through the inverse flows (Prenger et al., ICASSP
//! 2019, section 2.3), prepared once per loaded model: weight norms folded, every
//! invertible 1x1 convolution's inverse computed once, and each coupling's WN streamed
//! through cache-sized blocks of time ([`crate::nn::dilated_stream`]). Each flow's mel
//! conditioner (`cond_layer`) is computed once per utterance. The 1x1 convolutions run as
//! matrix products ([`crate::nn::fast_conv::pointwise`]).
//!
//! In bfloat16 ([`Inverse::with_kind`]) only the WNs, where the arithmetic is, run in the
//! narrow type; the audio, the affine couplings and the invertible 1x1 convolutions stay in
//! float32.

use tch::{Kind, Tensor};

use super::model::{unsqueeze_audio, WaveGlow};
use crate::nn::dilated_stream::{self, SkipShape, Window, WindowLayer};
use crate::nn::fast_conv::pointwise;

/// Time steps (groups) per streamed block on the CPU; a GPU takes the whole signal at once
/// ([`dilated_stream::block_for`]).
pub const DEFAULT_BLOCK: i64 = 2048;

/// One WN layer with folded weights.
#[derive(Debug)]
struct Layer {
    in_w: Tensor, // [2C, C, k]
    in_b: Tensor,
    rs_w: Tensor, // [2C or C, C, 1]
    rs_b: Tensor,
    dilation: i64,
    halo: i64,
    channels: i64,
}

/// One flow prepared for the inverse direction.
#[derive(Debug)]
struct Flow {
    w_inv: Tensor, // [c, c, 1]
    start_w: Tensor,
    start_b: Tensor,
    cond_w: Tensor, // [2C·L, n_mels·n_group, 1]
    cond_b: Tensor,
    end_w: Tensor, // [2 n_half, C, 1]
    end_b: Tensor,
    layers: Vec<Layer>,
    channels: i64,
}

/// A WaveGlow ready to run backwards.
#[derive(Debug)]
pub struct Inverse {
    flows: Vec<Flow>,
    pub block: i64,
    /// Element type of the WNs' weights and activations.
    kind: Kind,
}

fn opt(b: &Option<Tensor>, like: &Tensor) -> Tensor {
    b.as_ref().map(Tensor::detach).unwrap_or_else(|| Tensor::zeros([like.size()[0]], (like.kind(), like.device())))
}

impl Inverse {
    /// Prepares `model` (its weights must be final).
    pub fn new(model: &WaveGlow) -> Inverse {
        tch::no_grad(|| {
            let flows = model
                .wn
                .iter()
                .zip(&model.convinv)
                .map(|(wn, inv)| {
                    let c = wn.n_channels;
                    let k = wn.in_layers.first().map_or(1, |l| l.weight_v.size()[2]);
                    let layers = wn
                        .in_layers
                        .iter()
                        .zip(&wn.res_skip_layers)
                        .map(|(i, r)| {
                            let (iw, rw) = (i.weight().detach(), r.weight().detach());
                            Layer {
                                in_b: opt(&i.bias, &iw),
                                rs_b: opt(&r.bias, &rw),
                                in_w: iw,
                                rs_w: rw,
                                dilation: i.cfg.dilation,
                                halo: i.cfg.dilation * (k - 1) / 2,
                                channels: c,
                            }
                        })
                        .collect();
                    let (sw, cw) = (wn.start.weight().detach(), wn.cond_layer.weight().detach());
                    Flow {
                        w_inv: inv.inverse_weight().detach(),
                        start_b: opt(&wn.start.bias, &sw),
                        start_w: sw,
                        cond_b: opt(&wn.cond_layer.bias, &cw),
                        cond_w: cw,
                        end_w: wn.end.ws.detach(),
                        end_b: opt(&wn.end.bs, &wn.end.ws),
                        layers,
                        channels: c,
                    }
                })
                .collect::<Vec<Flow>>();
            let device = flows.first().map_or(tch::Device::Cpu, |f| f.w_inv.device());
            Inverse { flows, block: dilated_stream::block_for(device, DEFAULT_BLOCK), kind: Kind::Float }
        })
    }

    /// The same inverse with the WNs in `kind` (e.g. bfloat16); the 1x1 convolutions' inverses
    /// stay in float32.
    pub fn with_kind(self, kind: Kind) -> Inverse {
        let k = |t: Tensor| t.to_kind(kind);
        let flows = self
            .flows
            .into_iter()
            .map(|f| Flow {
                w_inv: f.w_inv,
                start_w: k(f.start_w),
                start_b: k(f.start_b),
                cond_w: k(f.cond_w),
                cond_b: k(f.cond_b),
                end_w: k(f.end_w),
                end_b: k(f.end_b),
                layers: f.layers.into_iter().map(|l| Layer { in_w: k(l.in_w), in_b: k(l.in_b), rs_w: k(l.rs_w), rs_b: k(l.rs_b), ..l }).collect(),
                channels: f.channels,
            })
            .collect();
        Inverse { flows, kind, ..self }
    }

    /// Runs the flows backwards: `spect` `[B, n_mels·n_group, N]` (squeezed conditioning),
    /// `z` `[B, n_group, N]` in [`WaveGlow::forward`]'s layout → audio `[B, N·n_group]`.
    /// `on_flow` is called after each flow (progress).
    pub fn run(&self, model: &WaveGlow, spect: &Tensor, z: &Tensor, mut on_flow: impl FnMut()) -> Tensor {
        tch::no_grad(|| {
            let cfg = &model.cfg;
            let (g, early) = (cfg.n_group as i64, cfg.n_early_size as i64);
            let rem = cfg.remaining_channels() as i64;
            let (b, n) = (z.size()[0], z.size()[2]);
            let mut early_at = g - rem;
            let z = z.to_kind(Kind::Float);
            let spect = spect.to_kind(self.kind);
            let mut audio = z.narrow(1, g - rem, rem);
            for k in (0..self.flows.len()).rev() {
                let f = &self.flows[k];
                let h = audio.size()[1] / 2;
                let (a0, a1) = (audio.narrow(1, 0, h), audio.narrow(1, h, h));
                let cond = pointwise(&spect, &f.cond_w, Some(&f.cond_b)); // [B, 2C·L, N], once per flow
                let layers: Vec<StepLayer> =
                    f.layers.iter().enumerate().map(|(i, l)| StepLayer { l, cond: cond.narrow(1, i as i64 * 2 * f.channels, 2 * f.channels) }).collect();
                let new_a1 = a1.empty_like();
                let shape = SkipShape { batch: b, channels: f.channels, kind: self.kind, device: z.device() };
                dilated_stream::run(
                    &layers,
                    n,
                    self.block,
                    shape,
                    |t0, len| pointwise(&a0.narrow(2, t0, len).to_kind(self.kind), &f.start_w, Some(&f.start_b)),
                    |skip, t0, len| {
                        let out = pointwise(skip, &f.end_w, Some(&f.end_b)).to_kind(Kind::Float); // [B, 2h, len]
                        let (shift, log_s) = (out.narrow(1, 0, h), out.narrow(1, h, h));
                        let x = (a1.narrow(2, t0, len) - shift) * (-log_s).exp();
                        new_a1.narrow(2, t0, len).copy_(&x);
                    },
                );
                audio = Tensor::cat(&[a0, new_a1], 1).conv1d(&f.w_inv, None::<Tensor>, [1], [0], [1], 1);
                if k > 0 && k % cfg.n_early_every == 0 {
                    early_at -= early;
                    audio = Tensor::cat(&[z.narrow(1, early_at, early), audio], 1);
                }
                on_flow();
            }
            unsqueeze_audio(&audio)
        })
    }
}

/// One WN layer of one flow for one utterance.
struct StepLayer<'a> {
    l: &'a Layer,
    cond: Tensor, // [B, 2C, N]
}

impl WindowLayer for StepLayer<'_> {
    fn halo(&self) -> i64 {
        self.l.halo
    }

    fn forward_window(&self, w: &Window, need_next: bool) -> (Option<Tensor>, Tensor) {
        let (l, c) = (self.l, self.l.channels);
        let x = w.pad(w.x);
        let mut acts = x.conv1d(&l.in_w, Some(&l.in_b), [1], [0], [l.dilation], 1); // [B, 2C, n]
        acts += self.cond.narrow(2, w.t0, w.n);
        let acts = acts.narrow(1, 0, c).tanh() * acts.narrow(1, c, c).sigmoid(); // [B, C, n]
        let rs = pointwise(&acts, &l.rs_w, Some(&l.rs_b));
        if need_next {
            (Some(w.center() + rs.narrow(1, 0, c)), rs.narrow(1, c, c))
        } else {
            (None, rs)
        }
    }
}
