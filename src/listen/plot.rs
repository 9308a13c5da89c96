//! Result plots: the mean and 95 % confidence interval of each condition as a dot with
//! whiskers, one row per condition, written both as SVG (vector, for papers) and PNG
//! (rasterised with [`crate::plot::Canvas`] and its bitmap font, so no font files are needed).

use std::path::Path;

use crate::error::{Error, Result};
use crate::plot::Canvas;

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
const GLYPH_W: f64 = crate::plot::canvas::GLYPH as f64; // one glyph cell, times the scale
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
                Shape::Rect { x, y, w, h, rgb } => {
                    out += &format!("<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\"/>\n", hex(rgb))
                }
                Shape::Dot { x, y, r, rgb } => out += &format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{}\"/>\n", hex(rgb)),
                Shape::Text { x, y, text, scale, anchor, rgb } => {
                    let a = match anchor {
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let size = GLYPH_W * scale as f64 * 1.3;
                    out += &format!(
                        "<text x=\"{x:.1}\" y=\"{:.1}\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"{size:.0}\" text-anchor=\"{a}\" fill=\"{}\">{}</text>\n",
                        y + GLYPH_W * scale as f64,
                        hex(rgb),
                        xml_escape(&text)
                    )
                }
            }
        }
        out += "</svg>\n";
        std::fs::write(path, out).map_err(|e| Error::io(path, e))
    }

    /// Writes the plot as PNG ([`crate::plot::Canvas`]: the 8×8 bitmap font, no font files).
    pub fn write_png(&self, path: &Path) -> Result<()> {
        let (w, h, shapes) = self.layout();
        let mut c = Canvas::new(w.ceil() as usize, h.ceil() as usize);
        for sh in shapes {
            match sh {
                Shape::Rect { x, y, w: rw, h: rh, rgb } => {
                    let (x0, y0) = (x.round() as i64, y.round() as i64);
                    c.fill_rect(x0, y0, ((x + rw).round() as i64 - x0).max(1), ((y + rh).round() as i64 - y0).max(1), rgb);
                }
                Shape::Dot { x, y, r, rgb } => c.disc(x, y, r, rgb),
                Shape::Text { x, y, text, scale, anchor, rgb } => {
                    let width = Canvas::text_width(&text, scale) as f64;
                    let x0 = match anchor {
                        Anchor::Middle => x - width / 2.0,
                        Anchor::End => x - width,
                    };
                    c.text(x0.round() as i64, y.round() as i64, &text, rgb, scale);
                }
            }
        }
        c.save_png(path)
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
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
