//! WaveRNN's libtorch sampling loop: what runs on CUDA, and on the CPU the reference the
//! plain-Rust loop of [`super::fast`] is tested against. It follows the reference's
//! `generate` step by step, with `gru_cell` on the GRUs' own weights.
//!
//! On a GPU a step is a chain of tiny kernels, each cheaper to run than to launch, so:
//! - whatever does not depend on the previous sample (the conditioning's share of the input,
//!   fc1 and fc2 layers, the noise) is computed for a [`BLOCK`] of steps at once;
//! - a block runs on fixed buffers ([`Block`]), so on CUDA it is recorded once as a CUDA graph
//!   and every later block is one launch ([`Engine::Graph`](super::Engine::Graph));
//! - the mixture's component is picked with one `searchsorted` on its CDF, and one `gather`
//!   fetches its mean and log-scale (eight kernels for the draw, from thirteen).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tch::nn::Module;
use tch::{Device, Kind, Tensor};

use super::config::Mode;
use super::model::WaveRnn;
use super::mol;
use super::noise::Noise;
use crate::error::Result;
use crate::nn::cuda_graph::CudaGraph;

/// Steps per block: the unit of precomputation, and the length of a recorded graph.
pub const BLOCK: usize = 256;

/// The weights of the input, fc1 and fc2 layers split into the columns that see the
/// previous sample or hidden state and those that see the conditioning.
struct Split {
    i_x: Tensor,  // [r]: the previous sample's column of I
    i_c: Tensor,  // [r, n_mels + a]
    f1_x: Tensor, // [r, f], transposed for addmm
    f1_c: Tensor, // [f, a]
    f2_x: Tensor, // [f, f], transposed
    f2_c: Tensor, // [f, a]
}

impl Split {
    fn new(model: &WaveRnn) -> Self {
        let (r, f) = (model.cfg.rnn_dims as i64, model.cfg.fc_dims as i64);
        let cols = |l: &tch::nn::Linear, first: i64| {
            let w = &l.ws; // [out, in]
            (w.narrow(1, 0, first).tr(), w.narrow(1, first, w.size()[1] - first))
        };
        let (i_x, i_c) = cols(&model.i, 1);
        let (f1_x, f1_c) = cols(&model.fc1, r);
        let (f2_x, f2_c) = cols(&model.fc2, f);
        Self { i_x: i_x.reshape([r]), i_c, f1_x, f1_c, f2_x, f2_c }
    }
}

/// The fixed buffers of one block of `S` = [`BLOCK`] steps for `N` sequences: its inputs,
/// its output, the recurrent state carried from block to block, and the split weights (a
/// recorded graph reads all of them, so they live as long as it does).
pub struct Block {
    w: Split,
    n: i64,
    pre_i: Tensor,    // [S, N, r]: I's conditioning share, with its bias
    aux1: Tensor,     // [S, N, a]: the second auxiliary stream (rnn2's extra input)
    pre_f1: Tensor,   // [S, N, f]
    pre_f2: Tensor,   // [S, N, f]
    u1: Tensor,       // [S, N, 1]: uniforms that pick the mixture component or class
    logistic: Tensor, // [S, N, 1]: logistic noise (MOL)
    out: Tensor,      // [S, N, 1]: the samples
    x: Tensor,        // [N, 1]: the last sample
    h1: Tensor,       // [N, r]
    h2: Tensor,       // [N, r]
}

impl Block {
    fn zeros(model: &WaveRnn, n: i64, device: Device) -> Self {
        let (r, f, a) = (model.cfg.rnn_dims as i64, model.cfg.fc_dims as i64, model.cfg.aux_dims() as i64);
        let s = BLOCK as i64;
        let z = |shape: &[i64]| Tensor::zeros(shape, (Kind::Float, device));
        Self {
            w: Split::new(model),
            n,
            pre_i: z(&[s, n, r]),
            aux1: z(&[s, n, a]),
            pre_f1: z(&[s, n, f]),
            pre_f2: z(&[s, n, f]),
            u1: z(&[s, n, 1]),
            logistic: z(&[s, n, 1]),
            out: z(&[s, n, 1]),
            x: z(&[n, 1]),
            h1: z(&[n, r]),
            h2: z(&[n, r]),
        }
    }

    /// Zero state, for a new utterance.
    fn reset(&mut self) {
        for t in [&mut self.x, &mut self.h1, &mut self.h2] {
            let _ = t.zero_();
        }
    }

    /// Fills the first `steps` rows of the inputs from `cond` `[N, L, C]` at step `t` and
    /// from the next `steps` draws of `noise` (later rows keep the previous block's values).
    fn load(&mut self, model: &WaveRnn, cond: &Tensor, t: usize, steps: usize, noise: &mut Noise) {
        let (w, a) = (&self.w, model.cfg.aux_dims() as i64);
        let n_mels = cond.size()[2] - 4 * a;
        let c = cond.narrow(1, t as i64, steps as i64); // [N, S', C]
        let rows = |buf: &Tensor| buf.narrow(0, 0, steps as i64);
        let time_major = |x: Tensor| x.transpose(0, 1); // [N, S', ·] -> [S', N, ·]
        rows(&self.pre_i).copy_(&time_major(c.narrow(2, 0, n_mels + a).linear(&w.i_c, model.i.bs.as_ref())));
        rows(&self.aux1).copy_(&time_major(c.narrow(2, n_mels + a, a)));
        rows(&self.pre_f1).copy_(&time_major(c.narrow(2, n_mels + 2 * a, a).linear(&w.f1_c, model.fc1.bs.as_ref())));
        rows(&self.pre_f2).copy_(&time_major(c.narrow(2, n_mels + 3 * a, a).linear(&w.f2_c, model.fc2.bs.as_ref())));
        let u = Tensor::from_slice(&noise.block(steps)).view([steps as i64, self.n, 2]).to_device(cond.device());
        rows(&self.u1).copy_(&u.narrow(2, 0, 1));
        rows(&self.logistic).copy_(&mol::logistic_noise(&u.narrow(2, 1, 1)));
    }

    /// Runs `steps` steps from the carried state, writing `out` and the new state.
    fn run(&self, model: &WaveRnn, steps: usize) {
        let (cfg, w) = (&model.cfg, &self.w);
        let [pre_i, aux1, pre_f1, pre_f2, u1, logistic, mut out] =
            [&self.pre_i, &self.aux1, &self.pre_f1, &self.pre_f2, &self.u1, &self.logistic, &self.out].map(|t| t.unbind(0));
        let (mut x, mut h1, mut h2) = (self.x.shallow_clone(), self.h1.shallow_clone(), self.h2.shallow_clone());
        for j in 0..steps {
            let xi = pre_i[j].addcmul(&x, &w.i_x); // I(x, mel, a0): [N, r]
            h1 = model.rnn1.cell(&xi, &h1);
            let x1 = &xi + &h1;
            h2 = model.rnn2.cell(&Tensor::cat(&[&x1, &aux1[j]], 1), &h2);
            let x2 = &x1 + &h2;
            let y = pre_f1[j].addmm(&x2, &w.f1_x).relu(); // fc1(x2, a2)
            let y = pre_f2[j].addmm(&y, &w.f2_x).relu(); // fc2(y, a3)
            let p = model.fc3.forward(&y); // [N, classes]
            match cfg.mode {
                Mode::Mol => mol::sample_tch_into(&p, &u1[j], &logistic[j], &out[j]),
                Mode::Raw => {
                    let k = mol::pick_by_cdf(&p.softmax(-1, Kind::Float), &u1[j]);
                    out[j].copy_(&(k.to_kind(Kind::Float) * (2.0 / (cfg.n_classes() - 1) as f64) - 1.0));
                }
            }
            x = out[j].shallow_clone();
        }
        // The state buffers are written in place (the graph records these copies), through
        // handles sharing their storage: `run` borrows the block immutably, so the warm-up
        // and the recorded body can both hold it.
        for (buf, v) in [(&self.x, &x), (&self.h1, &h1), (&self.h2, &h2)] {
            buf.shallow_clone().copy_(v);
        }
    }
}

/// A block's buffers with the graph recorded on them, kept for the next utterance with as
/// many sequences (folds).
pub struct Recorded {
    block: Block,
    graph: CudaGraph,
}

/// The recorded graph of a vocoder, reused while the number of folds stays the same; after a
/// failed recording the vocoder stops trying.
#[derive(Default)]
pub struct GraphCache {
    slot: Mutex<Option<Recorded>>,
    failed: AtomicBool,
}

impl std::fmt::Debug for GraphCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GraphCache")
    }
}

/// Samples `cond` `[N, L, C]` (on the model's device) → `[N, L]` samples as one row-major
/// vector (companded class values in μ-law RAW mode). With `graphs` on a CUDA device every
/// block after the first replays a recorded graph, kept in the cache for the next call with
/// as many sequences; if recording fails, a warning says so and this call and the later ones
/// run eagerly.
pub fn sample(model: &WaveRnn, cond: &Tensor, noise: &mut Noise, graphs: Option<&GraphCache>) -> Result<Vec<f32>> {
    let (n, len) = (cond.size()[0], cond.size()[1] as usize);
    let device = cond.device();
    let graphs = graphs.filter(|c| CudaGraph::available(device) && !c.failed.load(Ordering::Relaxed));
    let mut slot = graphs.map(|c| c.slot.lock().unwrap_or_else(|e| e.into_inner()));
    let (mut block, mut graph) = match slot.as_mut().and_then(|s| s.take()) {
        Some(r) if r.block.n == n => (r.block, Some(r.graph)),
        _ => (Block::zeros(model, n, device), None),
    };
    block.reset();
    let start = noise.clone();
    let out = Tensor::zeros([len as i64, n], (Kind::Float, device));
    for t in (0..len).step_by(BLOCK) {
        let steps = BLOCK.min(len - t);
        block.load(model, cond, t, steps, noise);
        match &graph {
            Some(g) => g.replay()?,
            None if slot.is_some() => {
                // The first block runs eagerly on the capture stream (the warm-up), then a
                // whole block is recorded for the next ones.
                let recorded = CudaGraph::capture(device, || block.run(model, steps), || block.run(model, BLOCK));
                match recorded {
                    Ok(g) => graph = Some(g),
                    Err(e) => {
                        eprintln!("ferry: warning: WaveRNN samples without a CUDA graph (slower): {e}");
                        if let Some(c) = graphs {
                            c.failed.store(true, Ordering::Relaxed);
                        }
                        *noise = start;
                        return sample(model, cond, noise, None);
                    }
                }
            }
            None => block.run(model, steps),
        }
        out.narrow(0, t as i64, steps as i64).copy_(&block.out.narrow(0, 0, steps as i64).squeeze_dim(2));
    }
    if let (Some(slot), Some(graph)) = (slot.as_mut(), graph) {
        **slot = Some(Recorded { block, graph });
    }
    Ok(Vec::try_from(out.tr().contiguous().to_device(Device::Cpu).flatten(0, -1))?)
}
