//! Streaming vocoding: a long mel is vocoded in overlapping chunks so the first audio is
//! ready early, and the chunks are joined without seams.
//!
//! Chunk `k` owns mel frames `[a, b)`. It is vocoded with `context` extra frames on each
//! side (so a vocoder with a finite receptive field sees what it would see offline), and
//! neighbouring chunks overlap by `2 · fade` samples around each boundary, where they are
//! cross-faded with a raised-cosine ramp. For deterministic vocoders (HiFi-GAN) whose
//! receptive field fits in the context, the streamed waveform equals the offline one up to
//! float rounding; for the sampling families the cross-fade keeps the joins continuous.

use tch::{Device, Kind, Tensor};

use super::{VocodeOptions, Vocoder};
use crate::error::{Error, Result};

/// How to cut a mel into chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    /// Frames in the first chunk (small, so the first audio comes early).
    pub first_frames: usize,
    /// Frames in each later chunk.
    pub chunk_frames: usize,
    /// Extra mel frames of context on each side of a chunk.
    pub context_frames: usize,
    /// Half-length of the cross-fade at each boundary, in samples.
    pub fade_samples: usize,
}

impl Default for ChunkPlan {
    fn default() -> Self {
        Self { first_frames: 24, chunk_frames: 96, context_frames: 24, fade_samples: 256 }
    }
}

impl ChunkPlan {
    /// Checks that chunks are long enough for the cross-fade and the context covers it.
    pub fn validate(&self, hop: usize) -> Result<()> {
        let min_frames = self.first_frames.min(self.chunk_frames);
        if min_frames == 0 {
            return Err(Error::arg("stream chunks must hold at least one frame"));
        }
        if 2 * self.fade_samples > min_frames * hop {
            return Err(Error::arg(format!("cross-fade of {} samples is too long for chunks of {min_frames} frames", self.fade_samples)));
        }
        if self.fade_samples > self.context_frames * hop {
            return Err(Error::arg("stream context must cover the cross-fade (context_frames * hop >= fade_samples)"));
        }
        Ok(())
    }

    /// The core frame ranges `[a, b)` of the chunks of a mel of `frames` frames.
    pub fn chunks(&self, frames: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut a = 0;
        while a < frames {
            let len = if out.is_empty() { self.first_frames } else { self.chunk_frames };
            let mut b = (a + len).min(frames);
            // Never leave a last chunk shorter than the cross-fade needs: merge it.
            if frames - b > 0 && frames - b < self.first_frames.min(self.chunk_frames) {
                b = frames;
            }
            out.push((a, b));
            a = b;
        }
        out
    }
}

/// Raised-cosine weight of the incoming chunk at position `i` of a `n`-sample fade.
fn fade_in(i: usize, n: usize) -> f32 {
    let x = (i as f64 + 0.5) / n as f64;
    (0.5 - 0.5 * (std::f64::consts::PI * x).cos()) as f32
}

/// Vocodes `mel` (`[1, n_mels, F]`) chunk by chunk and hands each finished block of samples
/// to `sink` in order; `sink` returns `false` to stop early (e.g. Ctrl-C). Returns the
/// number of samples delivered (`F · hop` when not stopped).
pub fn vocode_streaming(
    voc: &dyn Vocoder,
    mel: &Tensor,
    opts: &VocodeOptions,
    plan: &ChunkPlan,
    mut sink: impl FnMut(&[f32]) -> Result<bool>,
) -> Result<usize> {
    let hop = voc.hop_size();
    plan.validate(hop)?;
    let dims = mel.size();
    if dims.len() != 3 || dims[0] != 1 {
        return Err(Error::arg(format!("streaming vocodes one utterance at a time ([1, n_mels, frames]); got {dims:?}")));
    }
    let frames = dims[2] as usize;
    let x = plan.fade_samples;
    let mut pending: Vec<f32> = Vec::new(); // previous chunk's samples over [b·hop − X, b·hop + X)
    let mut delivered = 0usize;
    let chunks = plan.chunks(frames);
    for (k, &(a, b)) in chunks.iter().enumerate() {
        let last = k + 1 == chunks.len();
        let wa = a.saturating_sub(plan.context_frames);
        let wb = (b + plan.context_frames).min(frames);
        let piece = mel.narrow(2, wa as i64, (wb - wa) as i64);
        // Each chunk draws its own noise, reproducibly, from the seed.
        let chunk_opts = VocodeOptions { seed: opts.seed.map(|s| s.wrapping_add(k as u64 * 7919)), ..opts.clone() };
        let y = voc.vocode(&piece, &chunk_opts)?;
        let y = Vec::<f32>::try_from(y.to_device(Device::Cpu).to_kind(Kind::Float).flatten(0, -1))?;
        if y.len() != (wb - wa) * hop {
            return Err(Error::arg(format!("vocoder returned {} samples for {} frames", y.len(), wb - wa)));
        }
        let at = |abs: usize| abs - wa * hop; // absolute sample → index into y
        let mut block: Vec<f32> = Vec::with_capacity((b - a) * hop + 2 * x);
        let emit_from = if k == 0 {
            0
        } else {
            for (i, &prev) in pending.iter().enumerate() {
                let w = fade_in(i, pending.len());
                block.push(prev * (1.0 - w) + y[at(a * hop - x + i)] * w);
            }
            a * hop + x
        };
        let emit_to = if last { frames * hop } else { b * hop - x };
        block.extend_from_slice(&y[at(emit_from)..at(emit_to)]);
        if !last {
            pending = y[at(b * hop - x)..at(b * hop + x)].to_vec();
        }
        delivered += block.len();
        if !sink(&block)? {
            return Ok(delivered);
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocoder::Family;

    /// A local, deterministic "vocoder": each frame's samples depend on a 5-frame window of
    /// the mel (receptive field ±2 frames), so streaming with context ≥ 2 is exact.
    struct Local;
    impl Vocoder for Local {
        fn family(&self) -> Family {
            Family::Gan
        }
        fn model_name(&self) -> &str {
            "local"
        }
        fn parameters(&self) -> u64 {
            5
        }
        fn hop_size(&self) -> usize {
            8
        }
        fn sample_rate(&self) -> u32 {
            8000
        }
        fn device(&self) -> Device {
            Device::Cpu
        }
        fn vocode(&self, mel: &Tensor, _o: &VocodeOptions) -> Result<Tensor> {
            let e = mel.mean_dim([1i64].as_slice(), false, Kind::Float).unsqueeze(1); // [1, 1, F]
            let k = Tensor::from_slice(&[0.1f32, 0.2, 0.4, 0.2, 0.1]).view([1, 1, 5]);
            let s = e.conv1d(&k, None::<Tensor>, [1], [2], [1], 1); // [1, 1, F]
            let up = s.repeat_interleave_self_int(8, Some(2), None::<i64>).view([1, -1]);
            // A waveform shape within each frame (the same for every frame: shift-equivariant).
            let shape = Tensor::arange(8, (Kind::Float, Device::Cpu)).g_mul_scalar(0.7).sin().repeat([s.size()[2]]);
            Ok(up * shape)
        }
    }

    #[test]
    fn chunks_cover_every_frame_once() {
        let plan = ChunkPlan { first_frames: 4, chunk_frames: 10, context_frames: 3, fade_samples: 8 };
        for frames in [1usize, 4, 5, 13, 14, 37, 100] {
            let c = plan.chunks(frames);
            assert_eq!(c.first().unwrap().0, 0);
            assert_eq!(c.last().unwrap().1, frames);
            assert!(c.windows(2).all(|w| w[0].1 == w[1].0));
        }
    }

    #[test]
    fn streamed_equals_offline_for_a_local_vocoder() {
        let mel = Tensor::randn([1, 6, 53], (Kind::Float, Device::Cpu));
        let offline = Vec::<f32>::try_from(Local.vocode(&mel, &VocodeOptions::default()).unwrap().flatten(0, -1)).unwrap();
        // Exact when the context covers the receptive field (2 frames) plus the fade (1.5 frames).
        let plan = ChunkPlan { first_frames: 5, chunk_frames: 11, context_frames: 4, fade_samples: 12 };
        let mut streamed = Vec::new();
        let mut blocks = 0;
        let n = vocode_streaming(&Local, &mel, &VocodeOptions::default(), &plan, |b| {
            streamed.extend_from_slice(b);
            blocks += 1;
            Ok(true)
        })
        .unwrap();
        assert_eq!(n, 53 * 8);
        assert!(blocks > 3);
        let err = offline.iter().zip(&streamed).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err < 1e-5, "max |streamed - offline| = {err}");
    }

    #[test]
    fn stops_when_the_sink_says_so_and_rejects_bad_plans() {
        let mel = Tensor::randn([1, 6, 60], (Kind::Float, Device::Cpu));
        let plan = ChunkPlan { first_frames: 5, chunk_frames: 10, context_frames: 3, fade_samples: 8 };
        let mut calls = 0;
        let n = vocode_streaming(&Local, &mel, &VocodeOptions::default(), &plan, |_| {
            calls += 1;
            Ok(calls < 2)
        })
        .unwrap();
        assert_eq!(calls, 2);
        assert!(n < 60 * 8);
        let bad = ChunkPlan { fade_samples: 100, ..plan };
        assert!(vocode_streaming(&Local, &mel, &VocodeOptions::default(), &bad, |_| Ok(true)).is_err());
    }
}
