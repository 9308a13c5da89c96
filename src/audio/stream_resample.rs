//! Resampling a stream that arrives in pieces (sentence after sentence, chunk after chunk),
//! with one continuous filter state so joins stay seamless. Feeding a whole signal through
//! [`StreamResampler`] gives the same samples as [`super::resample::resample_slice`].

use rubato::{FftFixedIn, Resampler};

use crate::error::{Error, Result};

const CHUNK: usize = 1024;

pub struct StreamResampler {
    rs: Option<FftFixedIn<f32>>,
    pending: Vec<f32>,
    /// Output samples still to drop (the resampler's delay).
    skip: usize,
    consumed: u64,
    produced: u64,
    from: u32,
    to: u32,
}

impl StreamResampler {
    pub fn new(from: u32, to: u32) -> Result<Self> {
        let rs = if from == to {
            None
        } else {
            Some(FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 1, 1).map_err(|e| Error::arg(format!("resampler {from} -> {to} Hz: {e}")))?)
        };
        let skip = rs.as_ref().map_or(0, |r| r.output_delay());
        Ok(Self { rs, pending: Vec::new(), skip, consumed: 0, produced: 0, from, to })
    }

    /// Feeds samples; returns the output that is ready.
    pub fn push(&mut self, input: &[f32]) -> Result<Vec<f32>> {
        self.consumed += input.len() as u64;
        let Some(rs) = self.rs.as_mut() else {
            self.produced += input.len() as u64;
            return Ok(input.to_vec());
        };
        self.pending.extend_from_slice(input);
        let mut out = Vec::new();
        let mut pos = 0;
        while self.pending.len() - pos >= rs.input_frames_next() {
            let n = rs.input_frames_next();
            let block = rs.process(&[&self.pending[pos..pos + n]], None).map_err(|e| Error::arg(e.to_string()))?;
            out.extend_from_slice(&block[0]);
            pos += n;
        }
        self.pending.drain(..pos);
        Ok(self.trim(out))
    }

    /// Flushes the tail: total output equals `round(total_input · to / from)`.
    pub fn finish(&mut self) -> Result<Vec<f32>> {
        let want = (self.consumed * self.to as u64 + self.from as u64 / 2) / self.from as u64;
        let Some(rs) = self.rs.as_mut() else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        let mut first = true;
        while self.produced + (out.len().saturating_sub(self.skip)) as u64 <= want {
            let block = if first && !self.pending.is_empty() {
                rs.process_partial(Some(&[&self.pending[..]]), None)
            } else {
                rs.process_partial(None::<&[&[f32]]>, None)
            }
            .map_err(|e| Error::arg(e.to_string()))?;
            first = false;
            out.extend_from_slice(&block[0]);
        }
        self.pending.clear();
        let mut out = self.trim(out);
        out.truncate((want - self.produced.min(want)) as usize);
        self.produced += out.len() as u64;
        Ok(out)
    }

    fn trim(&mut self, mut out: Vec<f32>) -> Vec<f32> {
        let drop = self.skip.min(out.len());
        self.skip -= drop;
        out.drain(..drop);
        self.produced += out.len() as u64;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_give_the_whole_signal_resample() {
        let x: Vec<f32> = (0..30_000).map(|i| ((i as f32) * 0.01).sin() * 0.5).collect();
        let whole = crate::audio::resample::resample_slice(&x, 22050, 48000).unwrap();
        let mut rs = StreamResampler::new(22050, 48000).unwrap();
        let mut got = Vec::new();
        for piece in x.chunks(777) {
            got.extend(rs.push(piece).unwrap());
        }
        got.extend(rs.finish().unwrap());
        assert_eq!(got.len(), whole.len());
        let err = got.iter().zip(&whole).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err < 1e-5, "{err}");
    }

    #[test]
    fn same_rate_passes_through() {
        let mut rs = StreamResampler::new(22050, 22050).unwrap();
        assert_eq!(rs.push(&[0.1, 0.2]).unwrap(), vec![0.1, 0.2]);
        assert!(rs.finish().unwrap().is_empty());
    }
}
