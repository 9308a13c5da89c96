//! DiffWave's reverse process (Kong et al., ICLR 2021, Algorithm 2 and the fast sampler of
//! section 4), evaluated for inference.
//!
//! What does not change across the reverse steps is computed once per utterance: the mel
//! upsampler and every layer's conditioner projection. What changes once per step (the
//! diffusion-step embedding and its per-layer projections) is computed once per step. The
//! residual stack itself is streamed through cache-sized blocks of time
//! ([`crate::nn::dilated_stream`]), which is exact and avoids streaming every full-length
//! activation through main memory.
//!
//! In bfloat16 ([`Sampler::with_kind`]) the network runs in the narrow type while the audio
//! and the reverse-process update stay in float32, so rounding does not build up over steps.

use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::{Kind, Tensor};

use super::model::DiffWave;
use super::schedule::{reverse_coefficients, SamplingPlan};
use crate::nn::dilated_stream::{self, SkipShape, Window, WindowLayer};
pub use crate::nn::noise::gaussian;

/// Time steps per streamed block on the CPU (measured on a 2-core EPYC: 2048-8192 are
/// equally good); a GPU takes the whole signal at once ([`dilated_stream::block_for`]).
pub const DEFAULT_BLOCK: i64 = 4096;

/// Largest per-utterance conditioner cache, in bytes (BASE: 10 s of audio takes 3.4 GB).
/// Longer inputs recompute each layer's 1x1 conditioner projection block by block instead.
pub const COND_CACHE_BYTES: i64 = 4 << 30;

/// Every layer's mel conditioner for one utterance.
#[derive(Debug)]
pub enum Conditioner {
    /// Computed once: one `[B, 2C, T]` per layer.
    Cached(Vec<Tensor>),
    /// Too large to keep: the upsampled mel `[B, n_mels, T]`, projected per block.
    PerBlock(Tensor),
}

/// The weights of one residual layer, arranged for inference.
#[derive(Debug)]
struct LayerWeights {
    dilated_w: Tensor, // [2C, C, 3]
    dilated_b: Tensor, // [2C]
    /// Output projection with its residual half scaled by 1/√2: [2C, C, 1], [2C].
    out_w: Tensor,
    out_b: Tensor,
    /// Only the skip half (the last layer's residual output is never used): [C, C, 1], [C].
    skip_w: Tensor,
    skip_b: Tensor,
    dilation: i64,
    channels: i64,
}

/// DiffWave weights prepared for sampling (built once per loaded model).
#[derive(Debug)]
pub struct Sampler {
    layers: Vec<LayerWeights>,
    /// All layers' conditioner projections stacked: [L·2C, n_mels, 1], [L·2C].
    cond_w: Tensor,
    cond_b: Tensor,
    /// All layers' diffusion projections stacked: [L·C, 512], [L·C].
    step_w: Tensor,
    step_b: Tensor,
    input_w: Tensor, // [C, 1, 1]
    input_b: Tensor, // [C]
    /// skip_projection with the 1/√L of the skip sum folded in.
    skip_proj_w: Tensor,
    skip_proj_b: Tensor,
    output_w: Tensor, // [1, C, 1]
    output_b: Tensor, // [1]
    channels: i64,
    /// Time steps per streamed block.
    pub block: i64,
    /// Element type of the network's weights and activations.
    kind: Kind,
}

fn bias(b: &Option<Tensor>, n: i64, like: &Tensor) -> Tensor {
    b.as_ref().map(Tensor::detach).unwrap_or_else(|| Tensor::zeros([n], (like.kind(), like.device())))
}

impl Sampler {
    pub fn new(model: &DiffWave) -> Sampler {
        tch::no_grad(|| {
            let c = model.residual_layers.first().map_or(0, |l| l.channels);
            let r = std::f64::consts::FRAC_1_SQRT_2;
            let layers = model
                .residual_layers
                .iter()
                .map(|l| {
                    let ow = l.output_projection.ws.detach();
                    let ob = bias(&l.output_projection.bs, 2 * c, &ow);
                    let scale = Tensor::cat(&[Tensor::full([c], r, (ow.kind(), ow.device())), Tensor::ones([c], (ow.kind(), ow.device()))], 0);
                    LayerWeights {
                        dilated_w: l.dilated_conv.ws.detach(),
                        dilated_b: bias(&l.dilated_conv.bs, 2 * c, &ow),
                        out_w: &ow * scale.view([2 * c, 1, 1]),
                        out_b: &ob * &scale,
                        skip_w: ow.narrow(0, c, c).contiguous(),
                        skip_b: ob.narrow(0, c, c).contiguous(),
                        dilation: l.dilation,
                        channels: c,
                    }
                })
                .collect();
            let cat = |f: &dyn Fn(&super::model::ResidualBlock) -> Tensor| Tensor::cat(&model.residual_layers.iter().map(f).collect::<Vec<_>>(), 0);
            let n_layers = model.residual_layers.len() as f64;
            let sp = &model.skip_projection;
            Sampler {
                layers,
                cond_w: cat(&|l| l.conditioner_projection.ws.detach()),
                cond_b: cat(&|l| bias(&l.conditioner_projection.bs, 2 * c, &l.conditioner_projection.ws)),
                step_w: cat(&|l| l.diffusion_projection.ws.detach()),
                step_b: cat(&|l| bias(&l.diffusion_projection.bs, c, &l.diffusion_projection.ws)),
                input_w: model.input_projection.ws.detach(),
                input_b: bias(&model.input_projection.bs, c, &model.input_projection.ws),
                skip_proj_w: sp.ws.detach() / n_layers.sqrt(),
                skip_proj_b: bias(&sp.bs, c, &sp.ws),
                output_w: model.output_projection.ws.detach(),
                output_b: bias(&model.output_projection.bs, 1, &model.output_projection.ws),
                channels: c,
                block: dilated_stream::block_for(model.input_projection.ws.device(), DEFAULT_BLOCK),
                kind: Kind::Float,
            }
        })
    }

    /// The same sampler with the network in `kind` (e.g. bfloat16).
    pub fn with_kind(self, kind: Kind) -> Sampler {
        let k = |t: Tensor| t.to_kind(kind);
        let layers = self
            .layers
            .into_iter()
            .map(|l| LayerWeights {
                dilated_w: k(l.dilated_w),
                dilated_b: k(l.dilated_b),
                out_w: k(l.out_w),
                out_b: k(l.out_b),
                skip_w: k(l.skip_w),
                skip_b: k(l.skip_b),
                ..l
            })
            .collect();
        Sampler {
            layers,
            cond_w: k(self.cond_w),
            cond_b: k(self.cond_b),
            step_w: k(self.step_w),
            step_b: k(self.step_b),
            input_w: k(self.input_w),
            input_b: k(self.input_b),
            skip_proj_w: k(self.skip_proj_w),
            skip_proj_b: k(self.skip_proj_b),
            output_w: k(self.output_w),
            output_b: k(self.output_b),
            kind,
            ..self
        }
    }

    /// Every layer's conditioner from the upsampled mel `[B, n_mels, T]`, computed once per
    /// utterance (unless it would exceed [`COND_CACHE_BYTES`]).
    pub fn conditioner(&self, mel_up: &Tensor) -> Conditioner {
        let size = mel_up.size();
        let bytes = size[0] * size[2] * self.cond_w.size()[0] * mel_up.kind().elt_size_in_bytes() as i64;
        if bytes <= COND_CACHE_BYTES {
            // Layer by layer, so the peak is the cache plus one layer's output.
            let c2 = 2 * self.channels;
            let per_layer = (0..self.layers.len() as i64)
                .map(|i| mel_up.conv1d(&self.cond_w.narrow(0, i * c2, c2), Some(&self.cond_b.narrow(0, i * c2, c2)), [1], [0], [1], 1))
                .collect();
            Conditioner::Cached(per_layer)
        } else {
            Conditioner::PerBlock(mel_up.shallow_clone())
        }
    }

    /// One reverse step's ε prediction for all of `audio` `[B, T]`, given the
    /// conditioner and the step embedding `[B, 512]` (all three in the sampler's element
    /// type); `sink(eps [B, n], t0, n)` receives ε block by block, in order.
    pub fn predict_noise(&self, audio: &Tensor, cond: &Conditioner, step: &Tensor, mut sink: impl FnMut(&Tensor, i64, i64)) {
        let (b, total) = (audio.size()[0], audio.size()[1]);
        let c = self.channels;
        // Per-layer step projections, once per step: [B, L·C] → L × [B, C, 1].
        let proj = step.linear(&self.step_w, Some(&self.step_b));
        let layers: Vec<StepLayer> = self
            .layers
            .iter()
            .enumerate()
            .map(|(i, w)| StepLayer {
                w,
                step: proj.narrow(1, i as i64 * c, c).unsqueeze(-1),
                cond: match cond {
                    Conditioner::Cached(all) => LayerCond::Cached(all[i].shallow_clone()),
                    Conditioner::PerBlock(mel_up) => LayerCond::PerBlock {
                        mel_up: mel_up.shallow_clone(),
                        w: self.cond_w.narrow(0, i as i64 * 2 * c, 2 * c),
                        b: self.cond_b.narrow(0, i as i64 * 2 * c, 2 * c),
                    },
                },
            })
            .collect();
        let shape = SkipShape { batch: b, channels: c, kind: audio.kind(), device: audio.device() };
        dilated_stream::run(
            &layers,
            total,
            self.block,
            shape,
            |t0, n| audio.narrow(1, t0, n).unsqueeze(1).conv1d(&self.input_w, Some(&self.input_b), [1], [0], [1], 1).relu(),
            |skip, t0, n| {
                let h = skip.conv1d(&self.skip_proj_w, Some(&self.skip_proj_b), [1], [0], [1], 1).relu();
                let eps = h.conv1d(&self.output_w, Some(&self.output_b), [1], [0], [1], 1).squeeze_dim(1);
                sink(&eps, t0, n)
            },
        );
    }

    /// Runs the reverse process from seeded Gaussian noise: `mel_up` `[B, n_mels, T]`
    /// (already upsampled) → audio `[B, T]` in [-1, 1]. `model` supplies the step embedding;
    /// `on_step` is called after each step (for progress bars).
    pub fn sample(&self, model: &DiffWave, mel_up: &Tensor, plan: &SamplingPlan, seed: u64, mut on_step: impl FnMut()) -> Tensor {
        tch::no_grad(|| {
            let size = mel_up.size();
            let (b, total, device) = (size[0], size[2], mel_up.device());
            let cond = self.conditioner(&mel_up.to_kind(self.kind));
            let mut rng = StdRng::seed_from_u64(seed);
            let mut audio = gaussian(&mut rng, &[b, total], device);
            for n in (0..plan.schedule.len()).rev() {
                let (c1, c2, sigma) = reverse_coefficients(&plan.schedule, n);
                let t = Tensor::full([b], plan.t[n], (Kind::Float, device));
                let step = model.diffusion_embedding.forward(&t).to_kind(self.kind);
                let noise = (n > 0).then(|| gaussian(&mut rng, &[b, total], device));
                let next = audio.empty_like();
                self.predict_noise(&audio.to_kind(self.kind), &cond, &step, |eps, t0, len| {
                    let mut x = (audio.narrow(1, t0, len) - eps.to_kind(Kind::Float) * c2) * c1;
                    if let Some(z) = &noise {
                        x += z.narrow(1, t0, len) * sigma;
                    }
                    next.narrow(1, t0, len).copy_(&x.clamp(-1.0, 1.0));
                });
                audio = next;
                on_step();
            }
            audio
        })
    }
}

/// One residual layer for one reverse step.
struct StepLayer<'a> {
    w: &'a LayerWeights,
    step: Tensor, // [B, C, 1]
    cond: LayerCond,
}

/// One layer's conditioner: a slice of the cache, or its projection weights.
enum LayerCond {
    Cached(Tensor), // [B, 2C, T]
    PerBlock { mel_up: Tensor, w: Tensor, b: Tensor },
}

impl LayerCond {
    /// `[B, 2C, n]` for positions `[t0, t0 + n)`.
    fn at(&self, t0: i64, n: i64) -> Tensor {
        match self {
            LayerCond::Cached(c) => c.narrow(2, t0, n),
            LayerCond::PerBlock { mel_up, w, b } => mel_up.narrow(2, t0, n).conv1d(w, Some(b), [1], [0], [1], 1),
        }
    }
}

impl WindowLayer for StepLayer<'_> {
    fn halo(&self) -> i64 {
        self.w.dilation
    }

    fn forward_window(&self, win: &Window, need_next: bool) -> (Option<Tensor>, Tensor) {
        let (c, w) = (self.w.channels, self.w);
        let y = win.pad(&(win.x + &self.step)); // [B, C, n + 2d]
        let mut y = y.conv1d(&w.dilated_w, Some(&w.dilated_b), [1], [0], [w.dilation], 1); // [B, 2C, n]
        y += self.cond.at(win.t0, win.n);
        let a = y.narrow(1, 0, c).sigmoid() * y.narrow(1, c, c).tanh(); // [B, C, n]
        if need_next {
            let z = a.conv1d(&w.out_w, Some(&w.out_b), [1], [0], [1], 1); // [B, 2C, n]
            let next = z.narrow(1, 0, c) + win.center() * std::f64::consts::FRAC_1_SQRT_2;
            (Some(next), z.narrow(1, c, c))
        } else {
            (None, a.conv1d(&w.skip_w, Some(&w.skip_b), [1], [0], [1], 1))
        }
    }
}
