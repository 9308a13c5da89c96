//! A small bar-chart renderer for `ferry eval`'s `eval.png`: one panel per metric, one
//! horizontal bar per system with its value, drawn into an RGB buffer with a built-in
//! 5×7 pixel font and written with [`crate::audio::image::write_rgb_png`].

use std::path::Path;

use crate::error::{Error, Result};

/// One metric: its title and a value per system (`None` = unavailable, drawn as "N/A").
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub bars: Vec<(String, Option<f64>)>,
}

const WIDTH: usize = 720;
const SCALE: usize = 2; // pixels per font pixel
const CHAR_W: usize = 6 * SCALE;
const LINE_H: usize = 9 * SCALE;
const LABEL_W: usize = 13 * CHAR_W;
const VALUE_W: usize = 9 * CHAR_W;
const BAR_COLOURS: [[u8; 3]; 7] =
    [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [127, 127, 127]];

/// Upper-case 5×7 glyphs, each row's 5 low bits left to right. Lower case draws as upper.
const FONT: [(char, [u8; 7]); 45] = [
    ('A', [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001]),
    ('B', [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110]),
    ('C', [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110]),
    ('D', [0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100]),
    ('E', [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111]),
    ('F', [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000]),
    ('G', [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111]),
    ('H', [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001]),
    ('I', [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110]),
    ('J', [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100]),
    ('K', [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001]),
    ('L', [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111]),
    ('M', [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001]),
    ('N', [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001]),
    ('O', [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110]),
    ('P', [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000]),
    ('Q', [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101]),
    ('R', [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001]),
    ('S', [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110]),
    ('T', [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100]),
    ('U', [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110]),
    ('V', [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100]),
    ('W', [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010]),
    ('X', [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001]),
    ('Y', [0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100]),
    ('Z', [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111]),
    ('0', [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110]),
    ('1', [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110]),
    ('2', [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111]),
    ('3', [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110]),
    ('4', [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010]),
    ('5', [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110]),
    ('6', [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110]),
    ('7', [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000]),
    ('8', [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110]),
    ('9', [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100]),
    ('.', [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100]),
    ('%', [0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011]),
    ('-', [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000]),
    (':', [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000]),
    ('/', [0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000]),
    ('(', [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010]),
    (')', [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000]),
    (' ', [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000]),
    ('?', [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100]),
];

struct Canvas {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Canvas { w, h, rgb: vec![255; w * h * 3] }
    }

    fn rect(&mut self, x: usize, y: usize, w: usize, h: usize, c: [u8; 3]) {
        for yy in y..(y + h).min(self.h) {
            for xx in x..(x + w).min(self.w) {
                self.rgb[(yy * self.w + xx) * 3..][..3].copy_from_slice(&c);
            }
        }
    }

    fn text(&mut self, x: usize, y: usize, s: &str, c: [u8; 3]) {
        for (k, ch) in s.chars().enumerate() {
            let up = ch.to_ascii_uppercase();
            let rows = FONT.iter().find(|(g, _)| *g == up).or_else(|| FONT.iter().find(|(g, _)| *g == '?')).map(|(_, r)| *r);
            let Some(rows) = rows else { continue };
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..5 {
                    if bits & (1 << (4 - rx)) != 0 {
                        self.rect(x + k * CHAR_W + rx * SCALE, y + ry * SCALE, SCALE, SCALE, c);
                    }
                }
            }
        }
    }
}

/// Formats a value with about three significant digits.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Draws the panels one under another and writes the PNG.
pub fn write_bar_charts(path: &Path, panels: &[Panel]) -> Result<()> {
    if panels.is_empty() {
        return Err(Error::arg(format!("{}: nothing to plot (no metric has a value)", path.display())));
    }
    let bar_h = LINE_H;
    let panel_h = |p: &Panel| LINE_H * 2 + p.bars.len() * (bar_h + 4) + LINE_H / 2;
    let height = panels.iter().map(panel_h).sum::<usize>() + LINE_H;
    let mut c = Canvas::new(WIDTH, height);
    let plot_w = WIDTH - LABEL_W - VALUE_W - 2 * CHAR_W;
    let mut y = LINE_H / 2;
    for p in panels {
        c.text(CHAR_W, y, &p.title, [0, 0, 0]);
        y += LINE_H + LINE_H / 2;
        let max = p.bars.iter().filter_map(|(_, v)| *v).filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
        for (k, (label, v)) in p.bars.iter().enumerate() {
            c.text(CHAR_W, y + 2, label, [60, 60, 60]);
            let x0 = LABEL_W + CHAR_W;
            match v {
                Some(v) if v.is_finite() => {
                    let w = if max > 0.0 { ((v.abs() / max) * plot_w as f64).round() as usize } else { 0 };
                    c.rect(x0, y, w.max(1), bar_h, BAR_COLOURS[k % BAR_COLOURS.len()]);
                    c.text(x0 + w + CHAR_W / 2, y + 2, &short(*v), [0, 0, 0]);
                }
                _ => c.text(x0, y + 2, "n/a", [150, 150, 150]),
            }
            y += bar_h + 4;
        }
        c.rect(CHAR_W, y + LINE_H / 4, WIDTH - 2 * CHAR_W, 1, [200, 200, 200]);
        y += LINE_H / 2;
    }
    crate::audio::image::write_rgb_png(path, c.w, c.h, &c.rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_with_bars_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.png");
        let panels = vec![Panel { title: "WER %".into(), bars: vec![("gan".into(), Some(12.5)), ("griffin-lim".into(), None)] }];
        write_bar_charts(&p, &panels).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(write_bar_charts(&p, &[]).is_err());
        assert_eq!((short(123.4), short(12.34), short(1.234)), ("123".into(), "12.3".into(), "1.23".into()));
    }
}
