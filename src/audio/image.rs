//! Spectrogram images: a log-mel rendered as a PNG people can look at (low frequencies
//! at the bottom, time to the right, a perceptually uniform colour map).

use std::path::Path;

use super::mel::Mel;
use crate::error::{Error, Result};

/// A few control points of matplotlib's "magma" map (t, r, g, b), linearly interpolated.
const MAGMA: [(f32, [f32; 3]); 6] = [
    (0.0, [0.001, 0.000, 0.014]),
    (0.2, [0.232, 0.060, 0.438]),
    (0.4, [0.550, 0.161, 0.506]),
    (0.6, [0.868, 0.288, 0.409]),
    (0.8, [0.994, 0.624, 0.427]),
    (1.0, [0.987, 0.991, 0.750]),
];

/// Maps t in [0, 1] to an RGB colour.
pub fn colormap(t: f32) -> [u8; 3] {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let i = MAGMA.iter().position(|&(x, _)| x >= t).unwrap_or(MAGMA.len() - 1).max(1);
    let ((t0, c0), (t1, c1)) = (MAGMA[i - 1], MAGMA[i]);
    let f = (t - t0) / (t1 - t0);
    let mut rgb = [0u8; 3];
    for k in 0..3 {
        rgb[k] = ((c0[k] + f * (c1[k] - c0[k])) * 255.0).round() as u8;
    }
    rgb
}

/// Writes an RGB image (`width * height * 3` bytes, top row first) as PNG.
pub fn write_rgb_png(path: impl AsRef<Path>, width: usize, height: usize, rgb: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let to_err = |e: png::EncodingError| Error::io(path, std::io::Error::other(e.to_string()));
    let mut w = enc.write_header().map_err(to_err)?;
    w.write_image_data(rgb).map_err(to_err)?;
    w.finish().map_err(to_err)
}

/// Renders a log-mel as a PNG: one pixel per frame (at least `min_width` wide, frames
/// repeated), `scale` pixel rows per mel band, colours spanning the top 80 dB (≈ 9.2 nats).
pub fn write_mel_png(path: impl AsRef<Path>, mel: &Mel, scale: usize) -> Result<()> {
    if mel.frames == 0 || mel.n_mels == 0 {
        return Err(Error::arg("cannot draw an empty mel spectrogram"));
    }
    let scale = scale.max(1);
    let top = mel.data.iter().copied().filter(|v| v.is_finite()).fold(f32::MIN, f32::max);
    let range = 9.21f32; // ln(10^4): 80 dB of power
    let (w, h) = (mel.frames, mel.n_mels * scale);
    let mut rgb = vec![0u8; w * h * 3];
    for y in 0..h {
        let band = mel.n_mels - 1 - y / scale;
        for x in 0..w {
            let t = (mel.at(band, x) - (top - range)) / range;
            rgb[(y * w + x) * 3..][..3].copy_from_slice(&colormap(t));
        }
    }
    write_rgb_png(path, w, h, &rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_ends_and_png_is_written() {
        assert_eq!(colormap(0.0), [0, 0, 4]);
        assert_eq!(colormap(1.0), [252, 253, 191]);
        assert_eq!(colormap(f32::NAN), colormap(0.0));
        let dir = tempfile::tempdir().unwrap();
        let mel = Mel { data: (0..80 * 10).map(|i| (i % 7) as f32).collect(), n_mels: 80, frames: 10 };
        let p = dir.path().join("m.png");
        write_mel_png(&p, &mel, 2).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }
}
