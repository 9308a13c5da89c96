//! FastPitch ("FastPitch: Parallel Text-to-speech with Pitch Prediction", Łańcucki 2021)
//! with the learned aligner of FastPitch 1.1 ("One TTS Alignment To Rule Them All",
//! Badlani et al. 2021). Follows NVIDIA's `fastpitch/model.py`: an FFT encoder over symbol
//! embeddings, duration / pitch / energy predictors, pitch and energy embeddings added
//! to the encoding, the length regulator, an FFT decoder and a linear projection to mel.
//! Weight names match the reference (`encoder.word_emb`, `duration_predictor.layers.0.conv`,
//! `pitch_emb`, `attention.key_proj.0.conv`, `proj`, buffers `pitch_mean`/`pitch_std`).

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use super::aligner::{self, ConvAttention};
use super::config::Config;
use super::length_regulator::{regulate_len, round_frames};
use super::predictor::TemporalPredictor;
use super::transformer::{mask_from_lens, FFTransformer, FftDims};
use crate::error::Result;

#[derive(Debug)]
pub struct FastPitch {
    pub cfg: Config,
    word_emb: nn::Embedding,
    encoder: FFTransformer,
    decoder: FFTransformer,
    duration_predictor: TemporalPredictor,
    pitch_predictor: TemporalPredictor,
    energy_predictor: Option<TemporalPredictor>,
    pitch_emb: nn::Conv1D,
    energy_emb: Option<nn::Conv1D>,
    proj: nn::Linear,
    attention: ConvAttention,
    /// Mean and standard deviation (Hz) of voiced pitch in the training data.
    pub pitch_mean: Tensor,
    pub pitch_std: Tensor,
}

/// A padded training batch. Lengths are int64 `[B]`.
pub struct Batch {
    /// [B, S] symbol ids (0 = padding).
    pub text: Tensor,
    pub text_lens: Tensor,
    /// [B, n_mel, T] log-mel targets.
    pub mel: Tensor,
    pub mel_lens: Tensor,
    /// [B, T] pitch per frame in Hz (0 = unvoiced).
    pub pitch: Tensor,
    /// [B, T, S] beta-binomial alignment prior.
    pub prior: Tensor,
}

/// What a training forward pass gives the losses.
pub struct TrainOutput {
    /// [B, T, n_mel]
    pub mel_out: Tensor,
    /// [B, S]
    pub log_dur_pred: Tensor,
    /// [B, S] hard durations from MAS (int64).
    pub dur_tgt: Tensor,
    /// [B, S] normalised pitch per symbol.
    pub pitch_pred: Tensor,
    pub pitch_tgt: Tensor,
    /// [B, S] log(1 + energy) per symbol.
    pub energy_pred: Option<Tensor>,
    pub energy_tgt: Tensor,
    /// [B, T, S]
    pub attn_soft: Tensor,
    pub attn_hard: Tensor,
    pub attn_logprob: Tensor,
}

/// Per-symbol controls for inference, each `[B, S]` float.
pub struct Controls {
    /// Speaking rate (> 1 = faster).
    pub pace: Tensor,
    /// Pitch shift in semitones.
    pub pitch_shift: Tensor,
    /// Multiplier of the symbol's energy (loudness).
    pub energy_scale: Tensor,
    /// Frames a symbol must last whatever the model predicts and the pace (pauses of a
    /// given length); negative = no constraint.
    pub fixed_frames: Tensor,
}

impl Controls {
    /// No change: pace 1, no shift, energy × 1.
    pub fn neutral(b: i64, s: i64, device: tch::Device) -> Controls {
        let opts = (Kind::Float, device);
        Controls {
            pace: Tensor::ones([b, s], opts),
            pitch_shift: Tensor::zeros([b, s], opts),
            energy_scale: Tensor::ones([b, s], opts),
            fixed_frames: Tensor::full([b, s], -1.0, opts),
        }
    }
}

/// What inference produces.
pub struct InferOutput {
    /// [B, n_mel, T] log-mel (zero beyond each length).
    pub mel: Tensor,
    /// `[B]` frames.
    pub mel_lens: Tensor,
    /// [B, S] frames per symbol after the pace (int64).
    pub frames: Tensor,
    /// [B, S] pitch per symbol in Hz after the shift (what the decoder was given).
    pub pitch_hz: Tensor,
    /// [B, S] energy per symbol (linear) after the scale, when the model conditions on energy.
    pub energy: Option<Tensor>,
}

/// Frame energy: the L2 norm of the linear mel magnitudes. `mel`: [B, n_mel, T] log-mel → [B, T].
pub fn frame_energy(mel: &Tensor) -> Tensor {
    mel.exp().norm_scalaropt_dim(2.0, [1], false)
}

/// Mean of the non-zero values of `dense` [B, T] over each symbol's frames (`hard`
/// [B, T, S]) → [B, S] (0 where a symbol has no non-zero frame; the reference's `average_pitch`).
pub fn average_over_symbols(dense: &Tensor, hard: &Tensor) -> Tensor {
    let sums = dense.unsqueeze(1).matmul(hard).squeeze_dim(1); // [B, S]
    let counts = dense.ne(0.0).to_kind(Kind::Float).unsqueeze(1).matmul(hard).squeeze_dim(1);
    sums.where_self(&counts.gt(0.0), &Tensor::zeros_like(&counts)) / counts.clamp_min(1.0)
}

impl FastPitch {
    pub fn new(p: nn::Path, cfg: &Config) -> Result<FastPitch> {
        cfg.validate()?;
        let d = cfg.symbols_embedding_dim;
        let enc = &p / "encoder";
        let in_dims = FftDims {
            n_layer: cfg.in_fft_n_layers,
            n_head: cfg.in_fft_n_heads,
            d_model: d,
            d_head: cfg.in_fft_d_head,
            d_inner: cfg.in_fft_conv1d_filter_size,
            kernel_size: cfg.in_fft_conv1d_kernel_size,
            dropout: cfg.p_in_fft_dropout,
            dropatt: cfg.p_in_fft_dropatt,
            dropemb: cfg.p_in_fft_dropemb,
        };
        let out_dims = FftDims {
            n_layer: cfg.out_fft_n_layers,
            n_head: cfg.out_fft_n_heads,
            d_model: d,
            d_head: cfg.out_fft_d_head,
            d_inner: cfg.out_fft_conv1d_filter_size,
            kernel_size: cfg.out_fft_conv1d_kernel_size,
            dropout: cfg.p_out_fft_dropout,
            dropatt: cfg.p_out_fft_dropatt,
            dropemb: cfg.p_out_fft_dropemb,
        };
        let conv = |name: &str, k: i64| nn::conv1d(&p / name, 1, d, k, nn::ConvConfig { padding: (k - 1) / 2, ..Default::default() });
        let energy = cfg.energy_conditioning;
        Ok(FastPitch {
            cfg: cfg.clone(),
            word_emb: nn::embedding(&enc / "word_emb", cfg.n_symbols, d, Default::default()),
            encoder: FFTransformer::new(enc, in_dims),
            decoder: FFTransformer::new(&p / "decoder", out_dims),
            duration_predictor: TemporalPredictor::new(
                &p / "duration_predictor",
                d,
                cfg.dur_predictor_filter_size,
                cfg.dur_predictor_kernel_size,
                cfg.p_dur_predictor_dropout,
                cfg.dur_predictor_n_layers,
                1,
            ),
            pitch_predictor: TemporalPredictor::new(
                &p / "pitch_predictor",
                d,
                cfg.pitch_predictor_filter_size,
                cfg.pitch_predictor_kernel_size,
                cfg.p_pitch_predictor_dropout,
                cfg.pitch_predictor_n_layers,
                1,
            ),
            energy_predictor: energy.then(|| {
                TemporalPredictor::new(
                    &p / "energy_predictor",
                    d,
                    cfg.energy_predictor_filter_size,
                    cfg.energy_predictor_kernel_size,
                    cfg.p_energy_predictor_dropout,
                    cfg.energy_predictor_n_layers,
                    1,
                )
            }),
            pitch_emb: conv("pitch_emb", cfg.pitch_embedding_kernel_size),
            energy_emb: energy.then(|| conv("energy_emb", cfg.energy_embedding_kernel_size)),
            proj: nn::linear(&p / "proj", d, cfg.n_mel_channels, Default::default()),
            attention: ConvAttention::new(&p / "attention", cfg.n_mel_channels, d, cfg.n_att_channels, cfg.attn_key_kernel_size),
            pitch_mean: p.zeros_no_train("pitch_mean", &[1]),
            pitch_std: p.ones_no_train("pitch_std", &[1]),
        })
    }

    /// Sets the pitch statistics (Hz) used to normalise pitch targets.
    pub fn set_pitch_stats(&mut self, mean: f64, std: f64) {
        tch::no_grad(|| {
            let _ = self.pitch_mean.fill_(mean);
            let _ = self.pitch_std.fill_(std.max(1e-3));
        });
    }

    /// Hz → normalised (0 stays 0 = unvoiced). `hz`: any shape.
    pub fn normalize_pitch(&self, hz: &Tensor) -> Tensor {
        let n = (hz - &self.pitch_mean) / &self.pitch_std;
        n.where_self(&hz.gt(0.0), &Tensor::zeros_like(hz))
    }

    fn encode(&self, text: &Tensor, text_lens: &Tensor, train: bool) -> (Tensor, Tensor, Tensor) {
        let s = text.size()[1];
        let mask = mask_from_lens(text_lens, s); // [B, S, 1]
        let emb = self.word_emb.forward(text) * &mask; // [B, S, D]
        let enc = self.encoder.forward(&emb, &mask, train);
        (enc, emb, mask)
    }

    /// Training forward pass with ground-truth pitch and the aligner's hard durations.
    pub fn forward_train(&self, batch: &Batch, train: bool) -> Result<TrainOutput> {
        let (enc, emb, mask) = self.encode(&batch.text, &batch.text_lens, train);
        let log_dur_pred = self.duration_predictor.forward(&enc, &mask, train).squeeze_dim(-1); // [B, S]
        let pitch_pred = self.pitch_predictor.forward(&enc, &mask, train).squeeze_dim(-1); // [B, S]

        // Alignment on the (un-encoded) symbol embeddings, as the reference does.
        let text_pad = mask.squeeze_dim(2).eq(0.0); // [B, S]
        let attn = self.attention.forward(&batch.mel, &emb.transpose(1, 2), &text_pad, &batch.prior);
        let text_lens: Vec<i64> = Vec::<i64>::try_from(&batch.text_lens.to_device(tch::Device::Cpu))?;
        let mel_lens: Vec<i64> = Vec::<i64>::try_from(&batch.mel_lens.to_device(tch::Device::Cpu))?;
        let (attn_hard, dur_tgt) = aligner::binarize(&attn.soft, &text_lens, &mel_lens)?;

        let pitch_tgt = average_over_symbols(&self.normalize_pitch(&batch.pitch), &attn_hard); // [B, S]
        let mut enc = enc + self.pitch_emb.forward(&pitch_tgt.unsqueeze(1)).transpose(1, 2);

        let mel_mask = mask_from_lens(&batch.mel_lens, batch.mel.size()[2]).squeeze_dim(2); // [B, T]
        let energy_tgt = (average_over_symbols(&(frame_energy(&batch.mel) * &mel_mask), &attn_hard) + 1.0).log(); // [B, S]
        let mut energy_pred = None;
        if let (Some(pred), Some(emb)) = (&self.energy_predictor, &self.energy_emb) {
            energy_pred = Some(pred.forward(&enc, &mask, train).squeeze_dim(-1));
            enc = enc + emb.forward(&energy_tgt.unsqueeze(1)).transpose(1, 2);
        }

        let (regulated, dec_lens) = regulate_len(&dur_tgt, &enc); // [B, T, D]
        let dec_mask = mask_from_lens(&dec_lens, regulated.size()[1]);
        let dec = self.decoder.forward(&regulated, &dec_mask, train);
        let mel_out = self.proj.forward(&dec) * dec_mask; // [B, T, n_mel]
        Ok(TrainOutput {
            mel_out,
            log_dur_pred,
            dur_tgt,
            pitch_pred,
            pitch_tgt,
            energy_pred,
            energy_tgt,
            attn_soft: attn.soft,
            attn_hard,
            attn_logprob: attn.logprob,
        })
    }

    /// Inference from symbol ids `[B, S]` with per-symbol controls (run under `no_grad`).
    pub fn infer(&self, text: &Tensor, text_lens: &Tensor, controls: &Controls) -> Result<InferOutput> {
        let (enc, _emb, mask) = self.encode(text, text_lens, false);
        let log_dur = self.duration_predictor.forward(&enc, &mask, false).squeeze_dim(-1);
        let durs = (log_dur.exp() - 1.0).clamp(0.0, self.cfg.max_duration) * mask.squeeze_dim(2); // [B, S]
        let pitch_norm = self.pitch_predictor.forward(&enc, &mask, false).squeeze_dim(-1); // [B, S]
                                                                                           // Shift in Hz (× 2^(semitones/12)) and back to the normalised scale.
        let pitch_hz = (&pitch_norm * &self.pitch_std + &self.pitch_mean).clamp_min(0.0) * (&controls.pitch_shift / 12.0).exp2();
        let pitch_in = (&pitch_hz - &self.pitch_mean) / &self.pitch_std * mask.squeeze_dim(2);
        let mut enc = enc + self.pitch_emb.forward(&pitch_in.unsqueeze(1)).transpose(1, 2);
        let mut energy = None;
        if let (Some(pred), Some(emb)) = (&self.energy_predictor, &self.energy_emb) {
            let log_e = pred.forward(&enc, &mask, false).squeeze_dim(-1).clamp_min(0.0); // log(1 + e)
            let e = (log_e.exp() - 1.0) * &controls.energy_scale.clamp_min(0.0);
            let log_e = (&e + 1.0).log() * mask.squeeze_dim(2);
            enc = enc + emb.forward(&log_e.unsqueeze(1)).transpose(1, 2);
            energy = Some(e);
        }
        let scaled = &durs / controls.pace.clamp_min(1e-3);
        let scaled = controls.fixed_frames.where_self(&controls.fixed_frames.ge(0.0), &scaled);
        let frames = round_frames(&scaled) * mask.squeeze_dim(2).to_kind(Kind::Int64);
        let (regulated, mel_lens) = regulate_len(&frames, &enc);
        let dec_mask = mask_from_lens(&mel_lens, regulated.size()[1]);
        let dec = self.decoder.forward(&regulated, &dec_mask, false);
        let mel = (self.proj.forward(&dec) * dec_mask).transpose(1, 2); // [B, n_mel, T]
        Ok(InferOutput { mel, mel_lens, frames, pitch_hz: pitch_hz * mask.squeeze_dim(2), energy })
    }
}
