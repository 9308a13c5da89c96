//! One validation for every vocoder: held-out clips rendered from their own mel through the
//! model being trained, scored the same way whatever the family, so learning curves and the
//! equal-CPU-time comparisons of bench/TRAINING.md compare like with like:
//! - `val_mel_l1`: HiFi-GAN's mel L1 (its loss mel) between the clip and the rendering;
//! - `val_mcd_db`: mel-cepstral distortion (24 coefficients) of the rendering's mel.
//!
//! Families whose inference samples noise (flow, diffusion) render through the same
//! [`crate::vocoder::Vocoder`] code users run, with its default options and seed 0.

use std::path::Path;

use tch::{Device, Tensor};

use super::Losses;
use crate::audio::mel_tch::MelTch;
use crate::audio::{write_wav, Audio, Mel, SampleFormat};
use crate::data::Segments;
use crate::error::{Error, Result};
use crate::vocoder::gan::losses::mel_l1;

/// Mel-cepstral coefficients of the MCD.
pub const MCD_ORDER: usize = 24;

/// How much held-out audio a validation renders.
#[derive(Debug, Clone, Copy)]
pub struct ValidationPlan {
    /// Clips, from the first of the hold-out.
    pub clips: usize,
    /// Seconds of each clip at most (whole hops).
    pub seconds: f64,
}

impl ValidationPlan {
    /// Eight clips of up to 6 s: the gan and vae families, cheap to render.
    pub const FULL: ValidationPlan = ValidationPlan { clips: 8, seconds: 6.0 };
    /// Four clips of up to 2 s: families that render slowly (flow, diffusion, ar).
    pub const SHORT: ValidationPlan = ValidationPlan { clips: 4, seconds: 2.0 };
}

/// Renders the first `plan.clips` held-out clips of `data` through `render` (`[1, n_mels, F]`
/// log-mel → `[1, F·hop]` audio) and scores them; the first rendering is written to `dir`
/// as `NAME.wav` and its mel as `NAME_mel.png`.
pub fn render_validation(data: &Segments, plan: ValidationPlan, dir: &Path, name: &str, mut render: impl FnMut(&Tensor) -> Result<Tensor>) -> Result<Losses> {
    let (input, val, device) = (data.mel(), data.val(), data.device());
    let loss = MelTch::new(&input.config().loss_mel(), device)?;
    let (sr, hop) = (input.config().sampling_rate, input.config().hop_size);
    let max = (plan.seconds * sr as f64) as usize;
    let (mut l1, mut mcd, mut n) = (0.0, 0.0, 0usize);
    for i in 0..val.len().min(plan.clips) {
        let mut clip = val.clip(i)?;
        let len = clip.len().min(max) / hop * hop;
        if len == 0 {
            continue;
        }
        clip.truncate(len);
        let y = Tensor::from_slice(&clip).unsqueeze(0).to_device(device); // [1, T]
        let mel = input.forward(&y); // [1, n_mels, F]
        let y_hat = render(&mel)?.to_device(device).to_kind(tch::Kind::Float); // [1, T]
        let y_hat = y_hat.narrow(1, 0, y_hat.size()[1].min(len as i64));
        l1 += mel_l1(&loss.forward(&y), &loss.forward(&y_hat)).double_value(&[]);
        let mel_hat = Mel::from_tensor(&input.forward(&y_hat).to_device(Device::Cpu))?;
        let mel_ref = Mel::from_tensor(&mel.to_device(Device::Cpu))?;
        mcd += crate::eval::mcd::mcd_mel(&mel_ref, &mel_hat, MCD_ORDER).map_or(0.0, |m| m.db);
        if n == 0 {
            let samples: Vec<f32> = Vec::<f32>::try_from(y_hat.view([-1]).to_device(Device::Cpu)).map_err(Error::Torch)?;
            write_wav(dir.join(format!("{name}.wav")), &Audio::new(samples, sr), SampleFormat::Pcm16)?;
            crate::audio::image::write_mel_png(dir.join(format!("{name}_mel.png")), &mel_hat, 2)?;
        }
        n += 1;
    }
    if n == 0 {
        return Err(Error::arg(format!("every validation clip is shorter than one hop ({hop} samples)")));
    }
    Ok(Losses::new().with("val_mel_l1", l1 / n as f64).with("val_mcd_db", mcd / n as f64))
}
