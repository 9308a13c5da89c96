//! The unsupervised text–mel aligner of "One TTS Alignment To Rule Them All" (Badlani et
//! al. 2021), as used by FastPitch 1.1: convolutional key/query encoders, a Gaussian
//! (negative squared distance) soft attention, a beta-binomial diagonal prior, the
//! forward-sum (CTC) loss and the binarisation loss. Weight names follow
//! `ConvAttention` in NVIDIA's `fastpitch/attention.py` (`key_proj.0.conv`,
//! `query_proj.4.conv`, ...).

use tch::nn::{self, Module};
use tch::{Kind, Reduction, Tensor};

use super::length_regulator::durations_to_map;
use super::mas::mas_durations;
use crate::error::Result;

/// Temperature of the Gaussian attention (the reference's `-0.0005 * dist²`).
const ATTN_TEMPERATURE: f64 = 0.0005;
/// Log-probability of the CTC blank column (the reference's `blank_logprob`).
const BLANK_LOGPROB: f64 = -1.0;

#[derive(Debug)]
pub struct ConvAttention {
    key_proj: [nn::Conv1D; 2],
    query_proj: [nn::Conv1D; 3],
}

fn conv_norm(p: nn::Path, cin: i64, cout: i64, k: i64) -> nn::Conv1D {
    nn::conv1d(&p / "conv", cin, cout, k, nn::ConvConfig { padding: k / 2, ..Default::default() })
}

/// Soft alignment and the log-probabilities the forward-sum loss needs.
pub struct Attention {
    /// [B, T_mel, T_text]: softmax over symbols (0 on padded symbols).
    pub soft: Tensor,
    /// [B, T_mel, T_text]: log-softmax of the distances plus the log prior (unmasked).
    pub logprob: Tensor,
}

impl ConvAttention {
    /// `key_kernel`: kernel of the first key convolution (the reference: 3).
    pub fn new(p: nn::Path, n_mel_channels: i64, n_text_channels: i64, n_att_channels: i64, key_kernel: i64) -> Self {
        let kp = &p / "key_proj";
        let qp = &p / "query_proj";
        ConvAttention {
            key_proj: [conv_norm(&kp / 0, n_text_channels, n_text_channels * 2, key_kernel), conv_norm(&kp / 2, n_text_channels * 2, n_att_channels, 1)],
            query_proj: [
                conv_norm(&qp / 0, n_mel_channels, n_mel_channels * 2, 3),
                conv_norm(&qp / 2, n_mel_channels * 2, n_mel_channels, 1),
                conv_norm(&qp / 4, n_mel_channels, n_att_channels, 1),
            ],
        }
    }

    /// `mel`: [B, n_mel, T_mel] queries; `text_emb`: [B, D, T_text] keys; `text_mask`:
    /// [B, T_text] true on padding; `prior`: [B, T_mel, T_text].
    pub fn forward(&self, mel: &Tensor, text_emb: &Tensor, text_mask: &Tensor, prior: &Tensor) -> Attention {
        let keys = self.key_proj[1].forward(&self.key_proj[0].forward(text_emb).relu()); // [B, A, T_text]
        let q = self.query_proj[0].forward(mel).relu();
        let q = self.query_proj[1].forward(&q).relu();
        let queries = self.query_proj[2].forward(&q); // [B, A, T_mel]
                                                      // Squared distance |q - k|² = |q|² + |k|² - 2 q·k, without a [B, A, T_mel, T_text] tensor.
        let q2 = queries.pow_tensor_scalar(2).sum_dim_intlist(1, false, Kind::Float).unsqueeze(2); // [B, T_mel, 1]
        let k2 = keys.pow_tensor_scalar(2).sum_dim_intlist(1, false, Kind::Float).unsqueeze(1); // [B, 1, T_text]
        let qk = queries.transpose(1, 2).matmul(&keys); // [B, T_mel, T_text]
        let dist = (q2 + k2 - qk * 2.0).clamp_min(0.0);
        let attn = (dist * -ATTN_TEMPERATURE).log_softmax(-1, Kind::Float) + (prior + 1e-8).log();
        let soft = attn.masked_fill(&text_mask.unsqueeze(1), f64::NEG_INFINITY).softmax(-1, Kind::Float);
        Attention { soft, logprob: attn }
    }
}

/// The beta-binomial alignment prior `[frames, symbols]` (row i: the pmf over symbols of
/// BetaBinomial(n = symbols, a = scaling·(i+1), b = scaling·(frames−i)) at 0..symbols−1).
pub fn beta_binomial_prior(symbols: i64, frames: i64, scaling: f64) -> Tensor {
    let opts = (Kind::Double, tch::Device::Cpu);
    let n = symbols as f64;
    let k = Tensor::arange(symbols, opts).unsqueeze(0); // [1, S]
    let i = Tensor::arange_start(1, frames + 1, opts).unsqueeze(1); // [F, 1]
    let a = &i * scaling;
    let b = (-&i + (frames + 1) as f64) * scaling;
    let lbeta = |x: &Tensor, y: &Tensor| x.lgamma() + y.lgamma() - (x + y).lgamma();
    let log_choose = Tensor::from(n + 1.0).lgamma() - (&k + 1.0).lgamma() - (-&k + n + 1.0).lgamma();
    let log_pmf = log_choose + lbeta(&(&k + &a), &(-&k + n + &b)) - lbeta(&a, &b);
    log_pmf.exp().to_kind(Kind::Float)
}

/// Priors for a batch, zero-padded to `[B, max_frames, max_symbols]`.
pub fn batch_prior(symbol_lens: &[i64], frame_lens: &[i64], max_symbols: i64, max_frames: i64, device: tch::Device) -> Tensor {
    let out = Tensor::zeros([symbol_lens.len() as i64, max_frames, max_symbols], (Kind::Float, tch::Device::Cpu));
    for (b, (&s, &f)) in symbol_lens.iter().zip(frame_lens).enumerate() {
        out.get(b as i64).narrow(0, 0, f).narrow(1, 0, s).copy_(&beta_binomial_prior(s, f, 1.0));
    }
    out.to_device(device)
}

/// Forward-sum loss: CTC over the attention log-probabilities with a blank column,
/// targets 1..=T_text; per utterance divided by its symbol count, then averaged.
/// `logprob`: [B, T_mel, T_text]; lengths are int64 `[B]`.
pub fn forward_sum_loss(logprob: &Tensor, text_lens: &Tensor, mel_lens: &Tensor) -> Tensor {
    let (b, _t_mel, t_text) = logprob.size3().unwrap_or((0, 0, 0));
    // Padded symbols get a very low (finite, so CTC gradients stay finite) log-probability.
    let key_pad = mask_from_lens_bool(text_lens, t_text).logical_not().unsqueeze(1); // [B, 1, T_text]
    let lp = logprob.masked_fill(&key_pad, -1e4);
    let lp = lp.constant_pad_nd([1, 0]).index_fill(2, &Tensor::from_slice(&[0i64]).to_device(lp.device()), BLANK_LOGPROB); // [B, T_mel, 1+T_text]
    let lp = lp.log_softmax(-1, Kind::Float).transpose(0, 1); // [T_mel, B, C]
    let targets = (Tensor::arange(t_text, (Kind::Int64, lp.device())) + 1).unsqueeze(0).expand([b, t_text], false).contiguous();
    let nll = Tensor::ctc_loss_tensor(&lp, &targets, mel_lens, text_lens, 0, Reduction::None, true); // [B]
    (nll / text_lens.to_kind(Kind::Float)).mean(Kind::Float)
}

/// Binarisation loss: −mean log of the soft attention on the hard path.
/// `hard`, `soft`: [B, T_mel, T_text].
pub fn bin_loss(hard: &Tensor, soft: &Tensor) -> Tensor {
    let picked = (soft.clamp_min(1e-12).log() * hard).sum(Kind::Float);
    -picked / hard.sum(Kind::Float).clamp_min(1.0)
}

/// Hard alignment by MAS on each utterance of the batch: returns the 0/1 map
/// `[B, T_mel, T_text]` (on `soft`'s device) and the durations `[B, T_text]` (int64).
pub fn binarize(soft: &Tensor, text_lens: &[i64], mel_lens: &[i64]) -> Result<(Tensor, Tensor)> {
    let (b, t_mel, t_text) = soft.size3()?;
    let cpu = soft.detach().to_device(tch::Device::Cpu).to_kind(Kind::Float);
    let mut durs = vec![0i64; (b * t_text) as usize];
    for i in 0..b as usize {
        let (s, f) = (text_lens[i], mel_lens[i]);
        let m = cpu.get(i as i64).narrow(0, 0, f).narrow(1, 0, s).clamp_min(1e-30).log().contiguous();
        let log_p = Vec::<f32>::try_from(m.flatten(0, -1))?;
        let d = mas_durations(&log_p, f as usize, s as usize);
        durs[i * t_text as usize..i * t_text as usize + s as usize].copy_from_slice(&d);
    }
    let durs = Tensor::from_slice(&durs).view([b, t_text]);
    let hard = durations_to_map(&durs, t_mel).to_device(soft.device());
    Ok((hard, durs.to_device(soft.device())))
}

fn mask_from_lens_bool(lens: &Tensor, max_len: i64) -> Tensor {
    Tensor::arange(max_len, (Kind::Int64, lens.device())).unsqueeze(0).lt_tensor(&lens.unsqueeze(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_rows_are_diagonal_distributions() {
        let p = beta_binomial_prior(5, 20, 1.0);
        assert_eq!(p.size(), vec![20, 5]);
        // Early frames favour the first symbol, late frames the last.
        assert_eq!(p.get(0).argmax(0, false).int64_value(&[]), 0);
        assert_eq!(p.get(19).argmax(0, false).int64_value(&[]), 4);
        let peaks = Vec::<i64>::try_from(p.argmax(1, false)).unwrap();
        assert!(peaks.windows(2).all(|w| w[0] <= w[1]), "{peaks:?}");
        assert!(p.min().double_value(&[]) > 0.0);
    }

    #[test]
    fn forward_sum_prefers_a_diagonal_attention() {
        // 6 frames, 3 symbols: a diagonal log-prob map must cost less than an anti-diagonal one.
        let diag: Vec<f32> = (0..6).flat_map(|i| (0..3).map(move |j| if j == i / 2 { 0.0 } else { -8.0 })).collect();
        let anti: Vec<f32> = (0..6).flat_map(|i| (0..3).map(move |j| if j == 2 - i / 2 { 0.0 } else { -8.0 })).collect();
        let t = |v: &[f32]| Tensor::from_slice(v).view([1, 6, 3]);
        let (tl, ml) = (Tensor::from_slice(&[3i64]), Tensor::from_slice(&[6i64]));
        let good = forward_sum_loss(&t(&diag), &tl, &ml).double_value(&[]);
        let bad = forward_sum_loss(&t(&anti), &tl, &ml).double_value(&[]);
        assert!(good.is_finite() && good < bad, "diagonal {good} vs anti-diagonal {bad}");
    }

    #[test]
    fn binarize_gives_monotonic_durations_that_sum_to_the_frames() {
        tch::manual_seed(0);
        let soft = Tensor::rand([2, 9, 4], (Kind::Float, tch::Device::Cpu)).softmax(-1, Kind::Float);
        let (hard, durs) = binarize(&soft, &[4, 3], &[9, 7]).unwrap();
        let d = Vec::<i64>::try_from(durs.flatten(0, -1)).unwrap();
        assert_eq!(d[..4].iter().sum::<i64>(), 9);
        assert_eq!(d[4..7].iter().sum::<i64>(), 7);
        assert!(d[..4].iter().chain(&d[4..7]).all(|&x| x >= 1));
        assert_eq!(d[7], 0);
        assert_eq!(hard.sum(Kind::Float).double_value(&[]), 16.0);
        let bl = bin_loss(&hard, &soft).double_value(&[]);
        assert!(bl > 0.0 && bl.is_finite());
    }
}
