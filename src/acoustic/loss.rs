//! FastPitch's training objective (`FastPitchLoss` in NVIDIA's `fastpitch/loss_function.py`
//! plus the binarisation term of `train.py`): masked mel MSE, log-duration MSE, pitch and
//! energy MSE per symbol, the aligner's forward-sum (CTC) loss, and the binarisation (KL)
//! loss whose weight ramps up after a start step.

use tch::{Kind, Tensor};

use super::aligner::{bin_loss, forward_sum_loss};
use super::config::TrainConfig;
use super::model::TrainOutput;
use super::transformer::mask_from_lens;

/// The loss terms of one batch (scalar tensors; `total` is what is minimised).
pub struct LossTerms {
    pub total: Tensor,
    pub mel: Tensor,
    pub duration: Tensor,
    pub pitch: Tensor,
    pub energy: Tensor,
    pub attn: Tensor,
    pub bin: Tensor,
    /// Weight the binarisation loss had at this step.
    pub kl_weight: f64,
}

/// Weight of the binarisation loss at `step`: 0 before `kl_loss_start_step`, then a
/// linear ramp over `kl_loss_warmup_steps` to `kl_loss_weight`.
pub fn kl_weight(cfg: &TrainConfig, step: u64) -> f64 {
    if step < cfg.kl_loss_start_step {
        return 0.0;
    }
    let ramp = if cfg.kl_loss_warmup_steps == 0 { 1.0 } else { ((step - cfg.kl_loss_start_step) as f64 / cfg.kl_loss_warmup_steps as f64).min(1.0) };
    ramp * cfg.kl_loss_weight
}

fn masked_mse(pred: &Tensor, tgt: &Tensor, mask: &Tensor) -> Tensor {
    ((pred - tgt).square() * mask).sum(Kind::Float) / mask.sum(Kind::Float).clamp_min(1.0)
}

/// Computes every term. `mel`: [B, n_mel, T] targets; lengths int64 `[B]`.
pub fn fastpitch_loss(out: &TrainOutput, mel: &Tensor, text_lens: &Tensor, mel_lens: &Tensor, cfg: &TrainConfig, step: u64) -> LossTerms {
    let s = out.log_dur_pred.size()[1];
    let dur_mask = mask_from_lens(text_lens, s).squeeze_dim(2); // [B, S]
    let log_dur_tgt = (out.dur_tgt.to_kind(Kind::Float) + 1.0).log();
    let duration = masked_mse(&out.log_dur_pred, &log_dur_tgt, &dur_mask);

    let mel_tgt = mel.transpose(1, 2); // [B, T, n_mel]
    let t = mel_tgt.size()[1];
    let t_out = out.mel_out.size()[1];
    let mel_out = if t_out < t { out.mel_out.constant_pad_nd([0, 0, 0, t - t_out]) } else { out.mel_out.narrow(1, 0, t) };
    let mel_mask = mask_from_lens(mel_lens, t).expand_as(&mel_tgt); // [B, T, n_mel]
    let mel_loss = masked_mse(&mel_out, &mel_tgt, &mel_mask);

    let pitch = masked_mse(&out.pitch_pred, &out.pitch_tgt, &dur_mask);
    let energy = match &out.energy_pred {
        Some(e) => masked_mse(e, &out.energy_tgt, &dur_mask),
        None => Tensor::zeros([], (Kind::Float, mel.device())),
    };
    let attn = forward_sum_loss(&out.attn_logprob, text_lens, mel_lens);
    let bin = bin_loss(&out.attn_hard, &out.attn_soft);
    let kl = kl_weight(cfg, step);
    let total = &mel_loss
        + &duration * cfg.dur_predictor_loss_scale
        + &pitch * cfg.pitch_predictor_loss_scale
        + &energy * cfg.energy_predictor_loss_scale
        + &attn * cfg.attn_loss_scale
        + &bin * kl;
    LossTerms { total, mel: mel_loss, duration, pitch, energy, attn, bin, kl_weight: kl }
}

/// The mel MSE of a decoder that outputs, for every frame, the mean target frame of the
/// symbol the hard alignment gives it: the phoneme-level baseline a trained decoder must
/// beat (it knows which symbol each frame belongs to, nothing finer). `hard`: [B, T, S];
/// `mel`: [B, n_mel, T] targets.
pub fn symbol_mean_mse(hard: &Tensor, mel: &Tensor, mel_lens: &Tensor) -> Tensor {
    let mel_tgt = mel.transpose(1, 2); // [B, T, n_mel]
    let t = mel_tgt.size()[1].min(hard.size()[1]);
    let (hard, mel_tgt) = (hard.narrow(1, 0, t), mel_tgt.narrow(1, 0, t));
    let sums = hard.transpose(1, 2).matmul(&mel_tgt); // [B, S, n_mel]
    let counts = hard.sum_dim_intlist(1, false, Kind::Float).unsqueeze(2).clamp_min(1.0); // [B, S, 1]
    let per_frame = hard.matmul(&(sums / counts)); // [B, T, n_mel]
    let mask = mask_from_lens(mel_lens, t).expand_as(&mel_tgt);
    masked_mse(&per_frame, &mel_tgt, &mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binarisation_weight_warms_up() {
        let cfg = TrainConfig { kl_loss_start_step: 100, kl_loss_warmup_steps: 50, kl_loss_weight: 2.0, ..TrainConfig::default() };
        assert_eq!(kl_weight(&cfg, 99), 0.0);
        assert_eq!(kl_weight(&cfg, 100), 0.0);
        assert!((kl_weight(&cfg, 125) - 1.0).abs() < 1e-12);
        assert_eq!(kl_weight(&cfg, 1000), 2.0);
    }

    #[test]
    fn symbol_mean_baseline_is_zero_on_piecewise_constant_mels_and_not_otherwise() {
        // 5 frames, 2 symbols (3 + 2 frames), 2 mel bands.
        let hard = Tensor::from_slice(&[1f32, 0., 1., 0., 1., 0., 0., 1., 0., 1.]).view([1, 5, 2]);
        let lens = Tensor::from_slice(&[5i64]);
        let flat = Tensor::from_slice(&[1f32, 1., 1., 4., 4., -2., -2., -2., 0., 0.]).view([1, 2, 5]);
        assert!(symbol_mean_mse(&hard, &flat, &lens).double_value(&[]).abs() < 1e-9);
        // Frame values 0, 3, 0 inside the first symbol: its mean is 1, squared errors 1, 4, 1.
        let bumpy = Tensor::from_slice(&[0f32, 3., 0., 4., 4., 0., 0., 0., 0., 0.]).view([1, 2, 5]);
        assert!((symbol_mean_mse(&hard, &bumpy, &lens).double_value(&[]) - 0.6).abs() < 1e-6);
    }
}
