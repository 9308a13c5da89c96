//! WaveRNN's sampling loop in plain Rust on f32 slices (the CPU path).
//!
//! The weights are copied once out of the VarStore, split per layer and packed into
//! panels ([`Packed`]); every buffer is allocated before the loop, so a step is seven
//! small matrix products, two GRU updates and a draw — no allocation, no libtorch call.
//! Folds are independent, so they are shared out between threads, each thread running
//! the loop on its own rows.

use tch::{Kind, Tensor};

use super::config::Mode;
use super::kernels::{self, Packed};
use super::model::WaveRnn;
use super::mol;
use super::noise::Noise;
use crate::error::Result;

/// Pre-split, packed weights of one WaveRNN.
#[derive(Debug, Clone)]
pub struct FastWaveRnn {
    rnn: usize,
    fc: usize,
    aux: usize,
    n_mels: usize,
    classes: usize,
    mode: Mode,
    i: Packed,
    rnn1_ih: Packed,
    rnn1_hh: Packed,
    rnn2_ih: Packed,
    rnn2_hh: Packed,
    fc1: Packed,
    fc2: Packed,
    fc3: Packed,
}

fn values(t: &Tensor) -> Result<Vec<f32>> {
    Ok(Vec::<f32>::try_from(t.detach().to_device(tch::Device::Cpu).to_kind(Kind::Float).contiguous().flatten(0, -1))?)
}

fn pack(w: &Tensor, b: &Tensor) -> Result<Packed> {
    let s = w.size();
    Ok(Packed::new(&values(w)?, Some(&values(b)?), s[0] as usize, s[1] as usize))
}

fn linear(l: &tch::nn::Linear) -> Result<Packed> {
    let b = l.bs.as_ref().map_or_else(|| Tensor::zeros([l.ws.size()[0]], (Kind::Float, tch::Device::Cpu)), |b| b.shallow_clone());
    pack(&l.ws, &b)
}

impl FastWaveRnn {
    /// Copies and packs the weights of `model` (any device, any float kind).
    pub fn new(model: &WaveRnn, n_mels: usize) -> Result<FastWaveRnn> {
        let cfg = &model.cfg;
        Ok(FastWaveRnn {
            rnn: cfg.rnn_dims,
            fc: cfg.fc_dims,
            aux: cfg.aux_dims(),
            n_mels,
            classes: cfg.n_classes(),
            mode: cfg.mode,
            i: linear(&model.i)?,
            rnn1_ih: pack(&model.rnn1.weight_ih, &model.rnn1.bias_ih)?,
            rnn1_hh: pack(&model.rnn1.weight_hh, &model.rnn1.bias_hh)?,
            rnn2_ih: pack(&model.rnn2.weight_ih, &model.rnn2.bias_ih)?,
            rnn2_hh: pack(&model.rnn2.weight_hh, &model.rnn2.bias_hh)?,
            fc1: linear(&model.fc1)?,
            fc2: linear(&model.fc2)?,
            fc3: linear(&model.fc3)?,
        })
    }

    /// Width of one conditioning row: upsampled mel then the four auxiliary streams.
    pub fn cond_width(&self) -> usize {
        self.n_mels + 4 * self.aux
    }

    /// Generates `count` independent sequences of `len` steps from `cond`
    /// (`[count, len, cond_width]`), drawing from `noise` (one stream per sequence),
    /// on up to `threads` threads. Returns `[count, len]` samples in [-1, 1] (companded
    /// class values in μ-law RAW mode).
    pub fn generate(&self, cond: &[f32], count: usize, len: usize, noise: &Noise, threads: usize) -> Vec<f32> {
        let c = self.cond_width();
        assert_eq!(cond.len(), count * len * c, "conditioning of [{count}, {len}, {c}] expected");
        let mut out = vec![0f32; count * len];
        if count == 0 || len == 0 {
            return out;
        }
        let threads = threads.clamp(1, count);
        let per = count.div_ceil(threads);
        std::thread::scope(|s| {
            for (g, chunk) in out.chunks_mut(per * len).enumerate() {
                let rows = chunk.len() / len;
                let first = g * per;
                let cond = &cond[first * len * c..(first + rows) * len * c];
                let mut noise = noise.streams(first, rows);
                s.spawn(move || Worker::new(self, rows).run(cond, len, &mut noise, chunk));
            }
        });
        out
    }
}

/// Buffers of one thread's rows, allocated once.
struct Worker<'a> {
    m: &'a FastWaveRnn,
    rows: usize,
    x: Vec<f32>,   // [rows] previous sample
    in1: Vec<f32>, // [rows, ld_in1]: x, mel, a1
    xi: Vec<f32>,  // [rows, ld_r]: I output
    gi: Vec<f32>,  // [rows, ld_g]
    gh: Vec<f32>,  // [rows, ld_g]
    h1: Vec<f32>,  // [rows, rnn]
    h2: Vec<f32>,  // [rows, rnn]
    in2: Vec<f32>, // [rows, rnn + aux]: x1, a2 then x2, a3
    in4: Vec<f32>, // [rows, ld_in4]: fc1 output, a4
    y2: Vec<f32>,  // [rows, ld_f]
    out: Vec<f32>, // [rows, ld_o]
    ld_in1: usize,
    ld_r: usize,
    ld_g: usize,
    ld_in2: usize,
    ld_in4: usize,
    ld_f: usize,
    ld_o: usize,
}

impl<'a> Worker<'a> {
    fn new(m: &'a FastWaveRnn, rows: usize) -> Self {
        let ld_in1 = m.i.k;
        let ld_r = m.i.n_padded();
        let ld_g = m.rnn1_ih.n_padded().max(m.rnn2_ih.n_padded());
        let ld_in2 = m.rnn + m.aux;
        let ld_in4 = m.fc1.n_padded().max(m.fc + m.aux);
        let ld_f = m.fc2.n_padded();
        let ld_o = m.fc3.n_padded();
        let z = |n: usize| vec![0f32; rows * n];
        Worker {
            m,
            rows,
            x: z(1),
            in1: z(ld_in1),
            xi: z(ld_r),
            gi: z(ld_g),
            gh: z(ld_g),
            h1: z(m.rnn),
            h2: z(m.rnn),
            in2: z(ld_in2),
            in4: z(ld_in4),
            y2: z(ld_f),
            out: z(ld_o),
            ld_in1,
            ld_r,
            ld_g,
            ld_in2,
            ld_in4,
            ld_f,
            ld_o,
        }
    }

    /// `cond`: `[rows, len, C]`; writes `[rows, len]` samples into `y`.
    fn run(mut self, cond: &[f32], len: usize, noise: &mut Noise, y: &mut [f32]) {
        let m = self.m;
        let (r, a, f, nm) = (m.rnn, m.aux, m.fc, m.n_mels);
        let c = m.cond_width();
        for t in 0..len {
            for b in 0..self.rows {
                let row = &cond[(b * len + t) * c..(b * len + t + 1) * c];
                let in1 = &mut self.in1[b * self.ld_in1..(b + 1) * self.ld_in1];
                in1[0] = self.x[b];
                in1[1..1 + nm + a].copy_from_slice(&row[..nm + a]);
            }
            m.i.matmul(&self.in1, self.ld_in1, self.rows, &mut self.xi, self.ld_r);
            // rnn1 with a residual connection.
            m.rnn1_ih.matmul(&self.xi, self.ld_r, self.rows, &mut self.gi, self.ld_g);
            m.rnn1_hh.matmul(&self.h1, r, self.rows, &mut self.gh, self.ld_g);
            for b in 0..self.rows {
                let h = &mut self.h1[b * r..(b + 1) * r];
                kernels::gru_update(&self.gi[b * self.ld_g..], &self.gh[b * self.ld_g..], h);
                let row = &cond[(b * len + t) * c..(b * len + t + 1) * c];
                let in2 = &mut self.in2[b * self.ld_in2..(b + 1) * self.ld_in2];
                let xi = &self.xi[b * self.ld_r..b * self.ld_r + r];
                for j in 0..r {
                    in2[j] = xi[j] + h[j];
                }
                in2[r..].copy_from_slice(&row[nm + a..nm + 2 * a]);
            }
            // rnn2 with a residual connection.
            m.rnn2_ih.matmul(&self.in2, self.ld_in2, self.rows, &mut self.gi, self.ld_g);
            m.rnn2_hh.matmul(&self.h2, r, self.rows, &mut self.gh, self.ld_g);
            for b in 0..self.rows {
                let h = &mut self.h2[b * r..(b + 1) * r];
                kernels::gru_update(&self.gi[b * self.ld_g..], &self.gh[b * self.ld_g..], h);
                let row = &cond[(b * len + t) * c..(b * len + t + 1) * c];
                let in2 = &mut self.in2[b * self.ld_in2..(b + 1) * self.ld_in2];
                for j in 0..r {
                    in2[j] += h[j];
                }
                in2[r..].copy_from_slice(&row[nm + 2 * a..nm + 3 * a]);
            }
            m.fc1.matmul(&self.in2, self.ld_in2, self.rows, &mut self.in4, self.ld_in4);
            for b in 0..self.rows {
                let row = &cond[(b * len + t) * c..(b * len + t + 1) * c];
                let in4 = &mut self.in4[b * self.ld_in4..(b + 1) * self.ld_in4];
                kernels::relu(&mut in4[..f]);
                in4[f..f + a].copy_from_slice(&row[nm + 3 * a..nm + 4 * a]);
            }
            m.fc2.matmul(&self.in4, self.ld_in4, self.rows, &mut self.y2, self.ld_f);
            kernels::relu(&mut self.y2);
            m.fc3.matmul(&self.y2, self.ld_f, self.rows, &mut self.out, self.ld_o);
            for b in 0..self.rows {
                let (u1, u2) = noise.next(b);
                let p = &mut self.out[b * self.ld_o..b * self.ld_o + m.classes];
                let s = match m.mode {
                    Mode::Mol => mol::sample(p, u1, u2),
                    Mode::Raw => {
                        let sum = kernels::exp_shifted(p);
                        let k = mol::pick(p, sum, u1);
                        2.0 * k as f32 / (m.classes - 1) as f32 - 1.0
                    }
                };
                self.x[b] = s;
                y[b * len + t] = s;
            }
        }
    }
}
