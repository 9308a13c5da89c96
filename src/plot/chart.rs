//! A line chart: axes with round-numbered ticks (linear or logarithmic y), one coloured line
//! with point markers per series, a legend, a title and axis labels.

use super::canvas::{Canvas, Rgb, BLACK, GLYPH, GREY, LIGHT_GREY};

/// Colours of successive series (Tableau 10: distinct for most colour vision).
pub const PALETTE: [Rgb; 8] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194], [23, 190, 207]];

/// One line: (x, y) points in drawing order.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: Rgb,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, Default)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Logarithmic y axis (points with y ≤ 0 are left out).
    pub log_y: bool,
    pub series: Vec<Series>,
}

/// A region of the canvas: left, top, width, height in pixels.
#[derive(Debug, Clone, Copy)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

/// About `target` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A tick label with as many decimals as the spacing needs (`0.25`, `40000`, `1.5e-4`).
pub fn tick_label(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 1e5 || v.abs() < 1e-3 {
        return format!("{v:.1e}");
    }
    let decimals = if step >= 1.0 { 0 } else { (-step.log10()).ceil().max(0.0) as usize };
    format!("{v:.decimals$}")
}

impl LineChart {
    fn y_of(&self, y: f64) -> Option<f64> {
        match self.log_y {
            true if y > 0.0 => Some(y.log10()),
            true => None,
            false => y.is_finite().then_some(y),
        }
    }

    /// (x range, transformed y range) over every point, padded a little; `None` when empty.
    fn bounds(&self) -> Option<((f64, f64), (f64, f64))> {
        let pts: Vec<(f64, f64)> =
            self.series.iter().flat_map(|s| s.points.iter()).filter_map(|&(x, y)| Some((x, self.y_of(y)?))).filter(|p| p.0.is_finite()).collect();
        if pts.is_empty() {
            return None;
        }
        let fold = |f: fn(&(f64, f64)) -> f64| pts.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let pad = |(a, b): (f64, f64), at_least: f64| {
            let span = (b - a).max(at_least);
            (a - span * 0.05, b + span * 0.05)
        };
        let (x0, x1) = fold(|p| p.0);
        let (y0, y1) = fold(|p| p.1);
        Some((pad((x0.min(0.0), x1), 1e-3), pad((y0, y1), if self.log_y { 0.1 } else { (y0.abs() * 0.1).max(1e-6) })))
    }

    /// Draws the chart inside `area`, or a note saying there is nothing to draw yet.
    pub fn draw(&self, c: &mut Canvas, area: Rect) {
        let g = GLYPH as i64;
        let title_h = 2 * g;
        c.text(area.x + 6 * g, area.y, &self.title, BLACK, 1);
        let plot = Rect { x: area.x + 7 * g + 4, y: area.y + title_h, w: area.w - 7 * g - 12, h: area.h - title_h - 4 * g };
        let Some(((x0, x1), (y0, y1))) = self.bounds() else {
            c.text(plot.x + 8, plot.y + plot.h / 2, "no validation yet", GREY, 1);
            return;
        };
        let px = |x: f64| plot.x as f64 + (x - x0) / (x1 - x0) * plot.w as f64;
        let py = |y: f64| (plot.y + plot.h) as f64 - (y - y0) / (y1 - y0) * plot.h as f64;

        // Grid and tick labels.
        let xt = nice_ticks(x0, x1, 5);
        let x_step = if xt.len() > 1 { xt[1] - xt[0] } else { 1.0 };
        for &x in &xt {
            let sx = px(x);
            c.line((sx, plot.y as f64), (sx, (plot.y + plot.h) as f64), LIGHT_GREY, 1.0);
            let label = tick_label(x, x_step);
            c.text(sx as i64 - Canvas::text_width(&label, 1) as i64 / 2, plot.y + plot.h + 4, &label, BLACK, 1);
        }
        let (yt, y_step, y_value): (Vec<f64>, f64, fn(f64) -> f64) = if self.log_y {
            // Decades, or 1-2-5 steps inside a decade when the range is narrower than one.
            let decades: Vec<f64> = (y0.ceil() as i64..=y1.floor() as i64).map(|e| e as f64).collect();
            let ticks = if decades.len() >= 2 {
                decades
            } else {
                let lin = nice_ticks(10f64.powf(y0), 10f64.powf(y1), 4);
                lin.into_iter().filter(|v| *v > 0.0).map(f64::log10).collect()
            };
            let step = ticks.windows(2).map(|w| 10f64.powf(w[1]) - 10f64.powf(w[0])).fold(f64::INFINITY, f64::min);
            (ticks, if step.is_finite() { step } else { 1.0 }, |t| 10f64.powf(t))
        } else {
            let t = nice_ticks(y0, y1, 4);
            let step = if t.len() > 1 { t[1] - t[0] } else { 1.0 };
            (t, step, |t| t)
        };
        for &y in &yt {
            let sy = py(y);
            c.line((plot.x as f64, sy), ((plot.x + plot.w) as f64, sy), LIGHT_GREY, 1.0);
            let label = tick_label(y_value(y), y_step);
            c.text(plot.x - 4 - Canvas::text_width(&label, 1) as i64, sy as i64 - g / 2, &label, BLACK, 1);
        }
        // Frame, axis labels.
        let (l, t, r, b) = (plot.x as f64, plot.y as f64, (plot.x + plot.w) as f64, (plot.y + plot.h) as f64);
        for (p, q) in [((l, t), (r, t)), ((r, t), (r, b)), ((r, b), (l, b)), ((l, b), (l, t))] {
            c.line(p, q, GREY, 1.0);
        }
        let xl = &self.x_label;
        c.text(plot.x + plot.w / 2 - Canvas::text_width(xl, 1) as i64 / 2, plot.y + plot.h + 2 * g, xl, BLACK, 1);
        let yl = if self.log_y { format!("{} (log)", self.y_label) } else { self.y_label.clone() };
        c.text_vertical(area.x, plot.y + plot.h / 2 + Canvas::text_width(&yl, 1) as i64 / 2, &yl, BLACK, 1);

        // Lines, markers, legend (top right, one row per series).
        for (k, s) in self.series.iter().enumerate() {
            let pts: Vec<(f64, f64)> = s.points.iter().filter_map(|&(x, y)| Some((px(x), py(self.y_of(y)?)))).collect();
            for w in pts.windows(2) {
                c.line(w[0], w[1], s.colour, 2.0);
            }
            for &(x, y) in &pts {
                c.fill_rect(x as i64 - 2, y as i64 - 2, 5, 5, s.colour);
            }
            let label = format!("{} ({})", s.name, pts.len());
            let lx = plot.x + plot.w - Canvas::text_width(&label, 1) as i64 - 24;
            let ly = plot.y + 6 + k as i64 * (g + 4);
            c.fill_rect(lx - 4, ly - 2, Canvas::text_width(&label, 1) as i64 + 26, g + 4, [255, 255, 255]);
            c.fill_rect(lx, ly + g / 2 - 1, 14, 3, s.colour);
            c.text(lx + 18, ly, &label, BLACK, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let t = nice_ticks(0.0, 1.0, 5);
        assert_eq!(t.len(), 6, "{t:?}");
        assert!(t.iter().zip([0.0, 0.2, 0.4, 0.6, 0.8, 1.0]).all(|(a, b)| (a - b).abs() < 1e-12), "{t:?}");
        let t = nice_ticks(0.13, 0.87, 4);
        assert!(t.first().is_some_and(|v| *v >= 0.13) && t.last().is_some_and(|v| *v <= 0.87) && t.len() >= 3, "{t:?}");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(40000.0, 10000.0), "40000");
    }

    #[test]
    fn series_are_drawn_in_their_colour() {
        let chart = LineChart {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            log_y: true,
            series: vec![Series { name: "a".into(), colour: PALETTE[3], points: vec![(0.0, 1.0), (1.0, 0.1)] }],
        };
        let mut c = Canvas::new(320, 200);
        chart.draw(&mut c, Rect { x: 0, y: 0, w: 320, h: 200 });
        let red = (0..200).flat_map(|y| (0..320).map(move |x| (x, y))).filter(|&(x, y)| c.pixel(x, y) == PALETTE[3]).count();
        assert!(red > 50, "{red} pixels of the series colour");
    }
}
