//! Horizontal bar charts (`ferry eval`'s `eval.png`): one panel per metric, one bar per
//! system with its value printed beside it, panels one under another.

use std::path::Path;

use super::canvas::{Canvas, BLACK, GLYPH};
use super::chart::PALETTE;
use crate::error::{Error, Result};

/// One metric: its title and a value per system (`None` = unavailable, drawn as "n/a").
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub bars: Vec<(String, Option<f64>)>,
}

const WIDTH: usize = 720;
const SCALE: usize = 2; // pixels per font pixel
const CHAR_W: usize = GLYPH * SCALE;
const LINE_H: usize = (GLYPH + 2) * SCALE;
const LABEL_W: usize = 12 * CHAR_W;
const VALUE_W: usize = 6 * CHAR_W;

/// A value with about three significant digits.
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
    let plot_w = (WIDTH - LABEL_W - VALUE_W - 2 * CHAR_W) as f64;
    let at = |v: usize| v as i64;
    let mut y = LINE_H / 2;
    for p in panels {
        c.text(at(CHAR_W), at(y), &p.title, BLACK, SCALE);
        y += LINE_H + LINE_H / 2;
        let max = p.bars.iter().filter_map(|(_, v)| *v).filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
        for (k, (label, v)) in p.bars.iter().enumerate() {
            c.text(at(CHAR_W), at(y + 2), label, [60, 60, 60], SCALE);
            let x0 = LABEL_W + CHAR_W;
            match v {
                Some(v) if v.is_finite() => {
                    let w = if max > 0.0 { ((v.abs() / max) * plot_w).round() as usize } else { 0 };
                    c.fill_rect(at(x0), at(y), at(w.max(1)), at(bar_h), PALETTE[k % PALETTE.len()]);
                    c.text(at(x0 + w + CHAR_W / 2), at(y + 2), &short(*v), BLACK, SCALE);
                }
                _ => c.text(at(x0), at(y + 2), "n/a", [150, 150, 150], SCALE),
            }
            y += bar_h + 4;
        }
        c.fill_rect(at(CHAR_W), at(y + LINE_H / 4), at(WIDTH - 2 * CHAR_W), 1, [200, 200, 200]);
        y += LINE_H / 2;
    }
    c.save_png(path)
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
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&p).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width as usize, WIDTH);
        // The first bar is drawn in the first palette colour.
        let coloured = buf.chunks(3).filter(|px| *px == PALETTE[0]).count();
        assert!(coloured > 100, "{coloured} pixels of the bar colour");
        assert!(write_bar_charts(&p, &[]).is_err());
        assert_eq!((short(123.4), short(12.34), short(1.234)), ("123".into(), "12.3".into(), "1.23".into()));
    }
}
