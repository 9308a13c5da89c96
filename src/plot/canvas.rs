//! An RGB raster to draw charts on: filled rectangles, anti-aliased lines (Xiaolin Wu's
//! algorithm), and text in the public-domain 8×8 bitmap font of the `font8x8` crate.

use std::path::Path;

use font8x8::UnicodeFonts;

use crate::error::Result;

/// An sRGB colour.
pub type Rgb = [u8; 3];

pub const WHITE: Rgb = [255, 255, 255];
pub const BLACK: Rgb = [0, 0, 0];
pub const GREY: Rgb = [120, 120, 120];
pub const LIGHT_GREY: Rgb = [225, 225, 225];

/// Pixels of one glyph cell at scale 1 (the font is 8×8).
pub const GLYPH: usize = 8;

/// A `width × height` image, top row first, white when made.
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    pub fn new(width: usize, height: usize) -> Canvas {
        Canvas { width, height, rgb: vec![255; width * height * 3] }
    }

    /// Blends `colour` into pixel (x, y) with coverage `alpha` in [0, 1]; outside is ignored.
    pub fn blend(&mut self, x: i64, y: i64, colour: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 || !(alpha > 0.0) {
            return;
        }
        let a = alpha.min(1.0);
        let i = (y as usize * self.width + x as usize) * 3;
        for (px, &c) in self.rgb[i..i + 3].iter_mut().zip(colour.iter()) {
            let old = *px as f64;
            *px = (old + (c as f64 - old) * a).round() as u8;
        }
    }

    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, colour: Rgb) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.blend(xx, yy, colour, 1.0);
            }
        }
    }

    /// A filled disc of radius `r` centred on (x, y).
    pub fn disc(&mut self, x: f64, y: f64, r: f64, colour: Rgb) {
        for yy in (y - r).floor() as i64..=(y + r).ceil() as i64 {
            for xx in (x - r).floor() as i64..=(x + r).ceil() as i64 {
                if (xx as f64 - x).powi(2) + (yy as f64 - y).powi(2) <= r * r {
                    self.blend(xx, yy, colour, 1.0);
                }
            }
        }
    }

    /// An anti-aliased line `width` pixels wide (drawn as parallel offset lines).
    pub fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), colour: Rgb, width: f64) {
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len = (dx * dx + dy * dy).sqrt();
        let (nx, ny) = if len > 0.0 { (-dy / len, dx / len) } else { (0.0, 1.0) };
        let passes = width.max(1.0).round() as i64;
        for p in 0..passes {
            let off = p as f64 - (passes - 1) as f64 / 2.0;
            self.wu_line(x0 + nx * off, y0 + ny * off, x1 + nx * off, y1 + ny * off, colour);
        }
    }

    /// Xiaolin Wu's line: each step along the major axis lights the two pixels that straddle
    /// the ideal line, in proportion to how close each is.
    fn wu_line(&mut self, mut x0: f64, mut y0: f64, mut x1: f64, mut y1: f64, colour: Rgb) {
        let steep = (y1 - y0).abs() > (x1 - x0).abs();
        if steep {
            std::mem::swap(&mut x0, &mut y0);
            std::mem::swap(&mut x1, &mut y1);
        }
        if x0 > x1 {
            std::mem::swap(&mut x0, &mut x1);
            std::mem::swap(&mut y0, &mut y1);
        }
        let gradient = if x1 - x0 == 0.0 { 0.0 } else { (y1 - y0) / (x1 - x0) };
        let mut plot = |a: i64, b: f64| {
            let (lo, frac) = (b.floor(), b - b.floor());
            let (p, q) = if steep { ((lo as i64, a), (lo as i64 + 1, a)) } else { ((a, lo as i64), (a, lo as i64 + 1)) };
            self.blend(p.0, p.1, colour, 1.0 - frac);
            self.blend(q.0, q.1, colour, frac);
        };
        let (start, end) = (x0.round() as i64, x1.round() as i64);
        for a in start..=end {
            plot(a, y0 + gradient * (a as f64 - x0));
        }
    }

    /// Pixels `text` takes across at `scale`.
    pub fn text_width(text: &str, scale: usize) -> usize {
        text.chars().count() * GLYPH * scale
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale` pixels square.
    /// Characters the font lacks are drawn as `?`.
    pub fn text(&mut self, x: i64, y: i64, text: &str, colour: Rgb, scale: usize) {
        let s = scale.max(1) as i64;
        for (n, c) in text.chars().enumerate() {
            let glyph = font8x8::BASIC_FONTS.get(c).or_else(|| font8x8::BASIC_FONTS.get('?')).unwrap_or([0; 8]);
            let left = x + n as i64 * GLYPH as i64 * s;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..GLYPH {
                    if bits & (1 << col) != 0 {
                        self.fill_rect(left + col as i64 * s, y + row as i64 * s, s, s, colour);
                    }
                }
            }
        }
    }

    /// Text turned a quarter left (reading bottom to top), its left end at (x, y) bottom.
    pub fn text_vertical(&mut self, x: i64, y: i64, text: &str, colour: Rgb, scale: usize) {
        let s = scale.max(1) as i64;
        for (n, c) in text.chars().enumerate() {
            let glyph = font8x8::BASIC_FONTS.get(c).or_else(|| font8x8::BASIC_FONTS.get('?')).unwrap_or([0; 8]);
            let bottom = y - n as i64 * GLYPH as i64 * s;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..GLYPH {
                    if bits & (1 << col) != 0 {
                        self.fill_rect(x + row as i64 * s, bottom - (col as i64 + 1) * s, s, s, colour);
                    }
                }
            }
        }
    }

    pub fn pixel(&self, x: usize, y: usize) -> Rgb {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::audio::image::write_rgb_png(path, self.width, self.height, &self.rgb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_text_land_where_asked() {
        let mut c = Canvas::new(40, 20);
        c.line((0.0, 10.0), (39.0, 10.0), BLACK, 1.0);
        assert_eq!(c.pixel(20, 10), BLACK);
        assert_eq!(c.pixel(20, 5), WHITE);
        c.text(0, 0, "I", BLACK, 1);
        let inked = (0..8).flat_map(|y| (0..8).map(move |x| (x, y))).filter(|&(x, y)| c.pixel(x, y) == BLACK).count();
        assert!(inked > 5, "the glyph 'I' drew {inked} pixels");
        assert_eq!(Canvas::text_width("abc", 2), 48);
    }

    #[test]
    fn drawing_outside_is_ignored() {
        let mut c = Canvas::new(4, 4);
        c.line((-10.0, -10.0), (20.0, 20.0), BLACK, 3.0);
        c.text(-100, 100, "x", BLACK, 1);
        assert_ne!(c.pixel(2, 2), WHITE, "the part of the diagonal inside the canvas is drawn");
    }
}
