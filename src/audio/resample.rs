//! Sample-rate conversion of whole signals (band-limited FFT resampler from `rubato`).

use rubato::{FftFixedIn, Resampler};

use super::wav::Audio;
use crate::error::{Error, Result};

const CHUNK: usize = 1024;

/// Resamples `audio` to `rate` Hz. The output has `round(len * rate / in_rate)` samples,
/// aligned with the input (the resampler's delay is removed).
pub fn resample(audio: &Audio, rate: u32) -> Result<Audio> {
    if audio.sample_rate == rate {
        return Ok(audio.clone());
    }
    if rate == 0 {
        return Err(Error::arg("target sample rate must be positive"));
    }
    let samples = resample_slice(&audio.samples, audio.sample_rate, rate)?;
    Ok(Audio::new(samples, rate))
}

/// Resamples a mono slice from `from` Hz to `to` Hz.
pub fn resample_slice(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    let fail = |e: &dyn std::fmt::Display| Error::arg(format!("resampling {from} Hz -> {to} Hz: {e}"));
    let mut rs = FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 1, 1).map_err(|e| fail(&e))?;
    let want = ((input.len() as u64 * to as u64 + from as u64 / 2) / from as u64) as usize;
    let delay = rs.output_delay();
    let mut out: Vec<f32> = Vec::with_capacity(want + delay + 2 * CHUNK);
    let mut pos = 0;
    while pos + rs.input_frames_next() <= input.len() {
        let n = rs.input_frames_next();
        let block = rs.process(&[&input[pos..pos + n]], None).map_err(|e| fail(&e))?;
        out.extend_from_slice(&block[0]);
        pos += n;
    }
    // Flush the tail and the resampler's delay line with silence.
    while out.len() < want + delay {
        let block = if pos < input.len() {
            let rest = &input[pos..];
            pos = input.len();
            rs.process_partial(Some(&[rest]), None)
        } else {
            rs.process_partial(None::<&[&[f32]]>, None)
        }
        .map_err(|e| fail(&e))?;
        out.extend_from_slice(&block[0]);
    }
    Ok(out[delay..delay + want].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n).map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin()).collect()
    }

    #[test]
    fn length_and_content_follow_the_ratio() {
        let x = sine(440.0, 96_000, 96_000);
        let y = resample_slice(&x, 96_000, 22_050).unwrap();
        assert_eq!(y.len(), 22_050);
        let expect = sine(440.0, 22_050, 22_050);
        // Away from the edges the resampled sine matches the ideal one.
        let err = y[2000..20000].iter().zip(&expect[2000..20000]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err < 0.02, "max error {err}");
    }

    #[test]
    fn short_inputs_and_upsampling_work() {
        let y = resample_slice(&[0.5; 10], 8000, 22050).unwrap();
        assert_eq!(y.len(), 28);
        let z = resample_slice(&[], 16000, 22050).unwrap();
        assert!(z.is_empty());
    }
}
