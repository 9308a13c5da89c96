//! Result plots: the mean and 95 % confidence interval of each condition as a dot with
//! whiskers, one row per condition, written both as SVG (vector, for papers) and PNG
//! (rasterised here with a built-in 5×7 pixel font, so no font files are needed).

use std::path::Path;

use crate::audio::image::write_rgb_png;
use crate::error::{Error, Result};

/// One row of a plot.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotRow {
    pub label: String,
    pub mean: f64,
    /// Half-width of the interval (`None`: no interval).
    pub ci: Option<f64>,
}

/// A whole plot: title, axis range and rows (drawn top to bottom).
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    pub title: String,
    pub axis: String,
    pub min: f64,
    pub max: f64,
    /// Tick spacing on the score axis.
    pub step: f64,
    pub rows: Vec<PlotRow>,
}

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Rect { x: f64, y: f64, w: f64, h: f64, rgb: [u8; 3] },
    Dot { x: f64, y: f64, r: f64, rgb: [u8; 3] },
    Text { x: f64, y: f64, text: String, scale: usize, anchor: Anchor, rgb: [u8; 3] },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Anchor {
    Middle,
    End,
}

const INK: [u8; 3] = [30, 30, 36];
const GRID: [u8; 3] = [220, 220, 226];
const ACCENT: [u8; 3] = [53, 89, 199];
const GLYPH_W: f64 = 6.0; // 5 pixels + 1 space, times the scale
const ROW_H: f64 = 36.0;

impl Plot {
    fn layout(&self) -> (f64, f64, Vec<Shape>) {
        let longest = self.rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(4) as f64;
        let (left, right, top, bottom) = (longest * GLYPH_W * 2.0 + 24.0, 30.0, 56.0, 56.0);
        let plot_w = 560.0;
        let (w, h) = (left + plot_w + right, top + ROW_H * self.rows.len().max(1) as f64 + bottom);
        let span = (self.max - self.min).max(1e-9);
        let x_of = |v: f64| left + (v.clamp(self.min, self.max) - self.min) / span * plot_w;
        let mut s = vec![Shape::Rect { x: 0.0, y: 0.0, w, h, rgb: [255, 255, 255] }];
        s.push(Shape::Text { x: w / 2.0, y: 16.0, text: self.title.clone(), scale: 2, anchor: Anchor::Middle, rgb: INK });
        let y_axis = h - bottom;
        let mut v = self.min;
        while v <= self.max + 1e-9 {
            let x = x_of(v);
            s.push(Shape::Rect { x, y: top - 8.0, w: 1.0, h: y_axis - top + 8.0, rgb: GRID });
            s.push(Shape::Text { x, y: y_axis + 8.0, text: format!("{v}"), scale: 2, anchor: Anchor::Middle, rgb: INK });
            v += self.step.max(1e-9);
        }
        s.push(Shape::Rect { x: left, y: y_axis, w: plot_w, h: 1.5, rgb: INK });
        s.push(Shape::Text { x: left + plot_w / 2.0, y: y_axis + 30.0, text: self.axis.clone(), scale: 2, anchor: Anchor::Middle, rgb: INK });
        for (i, r) in self.rows.iter().enumerate() {
            let yc = top + ROW_H * (i as f64 + 0.5);
            s.push(Shape::Text { x: left - 12.0, y: yc - 7.0, text: r.label.clone(), scale: 2, anchor: Anchor::End, rgb: INK });
            if !r.mean.is_finite() {
                continue;
            }
            if let Some(ci) = r.ci.filter(|c| c.is_finite()) {
                let (a, b) = (x_of(r.mean - ci), x_of(r.mean + ci));
                s.push(Shape::Rect { x: a, y: yc - 1.0, w: (b - a).max(1.0), h: 2.0, rgb: ACCENT });
                for x in [a, b] {
                    s.push(Shape::Rect { x: x - 1.0, y: yc - 7.0, w: 2.0, h: 14.0, rgb: ACCENT });
                }
            }
            s.push(Shape::Dot { x: x_of(r.mean), y: yc, r: 5.0, rgb: ACCENT });
        }
        (w, h, s)
    }

    /// Writes the plot as SVG.
    pub fn write_svg(&self, path: &Path) -> Result<()> {
        let (w, h, shapes) = self.layout();
        let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
        let mut out = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\">\n");
        for sh in shapes {
            match sh {
                Shape::Rect { x, y, w, h, rgb } => out += &format!("<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\"/>\n", hex(rgb)),
                Shape::Dot { x, y, r, rgb } => out += &format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{}\"/>\n", hex(rgb)),
                Shape::Text { x, y, text, scale, anchor, rgb } => {
                    let a = match anchor {
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let size = 7.0 * scale as f64 * 1.3;
                    out += &format!(
                        "<text x=\"{x:.1}\" y=\"{:.1}\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"{size:.0}\" text-anchor=\"{a}\" fill=\"{}\">{}</text>\n",
                        y + 7.0 * scale as f64,
                        hex(rgb),
                        xml_escape(&text)
                    )
                }
            }
        }
        out += "</svg>\n";
        std::fs::write(path, out).map_err(|e| Error::io(path, e))
    }

    /// Writes the plot as PNG.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        let (w, h, shapes) = self.layout();
        let (w, h) = (w.ceil() as usize, h.ceil() as usize);
        let mut px = vec![255u8; w * h * 3];
        let mut put = |x: i64, y: i64, c: [u8; 3]| {
            if x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h {
                px[(y as usize * w + x as usize) * 3..][..3].copy_from_slice(&c);
            }
        };
        for sh in shapes {
            match sh {
                Shape::Rect { x, y, w: rw, h: rh, rgb } => {
                    for yy in y.round() as i64..(y + rh).round().max(y.round() + 1.0) as i64 {
                        for xx in x.round() as i64..(x + rw).round().max(x.round() + 1.0) as i64 {
                            put(xx, yy, rgb);
                        }
                    }
                }
                Shape::Dot { x, y, r, rgb } => {
                    for yy in (y - r).floor() as i64..=(y + r).ceil() as i64 {
                        for xx in (x - r).floor() as i64..=(x + r).ceil() as i64 {
                            if (xx as f64 - x).powi(2) + (yy as f64 - y).powi(2) <= r * r {
                                put(xx, yy, rgb);
                            }
                        }
                    }
                }
                Shape::Text { x, y, text, scale, anchor, rgb } => {
                    let width = text.chars().count() as f64 * GLYPH_W * scale as f64;
                    let x0 = match anchor {
                        Anchor::Middle => x - width / 2.0,
                        Anchor::End => x - width,
                    };
                    for (i, ch) in text.chars().enumerate() {
                        let rows = glyph(ch);
                        for (gy, bits) in rows.iter().enumerate() {
                            for gx in 0..5 {
                                if bits & (0x10 >> gx) != 0 {
                                    for sy in 0..scale {
                                        for sx in 0..scale {
                                            let px_x = x0 as i64 + ((i as f64 * GLYPH_W) as usize * scale + gx * scale + sx) as i64;
                                            put(px_x, y as i64 + (gy * scale + sy) as i64, rgb);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        write_rgb_png(path, w, h, &px)
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// 5×7 bitmap of a character (lower case drawn as upper case; unknown characters as a box).
fn glyph(c: char) -> [u8; 7] {
    const FONT: &[(char, [u8; 7])] = &[
        ('A', [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11]),
        ('B', [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E]),
        ('C', [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E]),
        ('D', [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C]),
        ('E', [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F]),
        ('F', [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10]),
        ('G', [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F]),
        ('H', [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11]),
        ('I', [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E]),
        ('J', [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C]),
        ('K', [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11]),
        ('L', [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F]),
        ('M', [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11]),
        ('N', [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11]),
        ('O', [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E]),
        ('P', [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10]),
        ('Q', [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D]),
        ('R', [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11]),
        ('S', [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E]),
        ('T', [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04]),
        ('U', [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E]),
        ('V', [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04]),
        ('W', [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A]),
        ('X', [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11]),
        ('Y', [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04]),
        ('Z', [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F]),
        ('0', [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E]),
        ('1', [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E]),
        ('2', [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F]),
        ('3', [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E]),
        ('4', [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02]),
        ('5', [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E]),
        ('6', [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E]),
        ('7', [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08]),
        ('8', [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E]),
        ('9', [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C]),
        (' ', [0, 0, 0, 0, 0, 0, 0]),
        ('-', [0, 0, 0, 0x1F, 0, 0, 0]),
        ('_', [0, 0, 0, 0, 0, 0, 0x1F]),
        ('.', [0, 0, 0, 0, 0, 0x0C, 0x0C]),
        (',', [0, 0, 0, 0, 0x0C, 0x04, 0x08]),
        (':', [0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0]),
        ('(', [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02]),
        (')', [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08]),
        ('/', [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0]),
        ('%', [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03]),
        ('+', [0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0]),
        ('=', [0, 0, 0x1F, 0, 0x1F, 0, 0]),
        ('×', [0, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0]),
    ];
    let c = c.to_ascii_uppercase();
    FONT.iter().find(|(k, _)| *k == c).map(|(_, g)| *g).unwrap_or([0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let p = Plot {
            title: "MUSHRA".into(),
            axis: "score".into(),
            min: 0.0,
            max: 100.0,
            step: 20.0,
            rows: vec![PlotRow { label: "reference".into(), mean: 98.0, ci: Some(2.0) }, PlotRow { label: "anchor-3.5k".into(), mean: 20.0, ci: None }],
        };
        p.write_png(&dir.path().join("a.png")).unwrap();
        p.write_svg(&dir.path().join("a.svg")).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("a.svg")).unwrap();
        assert!(svg.contains("anchor-3.5k") && svg.matches("<circle").count() == 2);
        assert_eq!(&std::fs::read(dir.path().join("a.png")).unwrap()[1..4], b"PNG");
    }
}
