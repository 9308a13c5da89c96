//! Pictures of numbers, drawn into PNGs with no plotting library and no system fonts: line
//! charts (the learning curves of `ferry recipe report`), bar charts (`ferry eval`), and the
//! raster the listening-test plots use.

pub mod bars;
pub mod canvas;
pub mod chart;

pub use canvas::{Canvas, Rgb};
pub use chart::{LineChart, Rect, Series, PALETTE};

/// Lays `charts` out in a grid of `cols` columns, each `panel` = (width, height) pixels.
pub fn grid(charts: &[LineChart], cols: usize, panel: (usize, usize)) -> Canvas {
    let cols = cols.clamp(1, charts.len().max(1));
    let rows = charts.len().div_ceil(cols).max(1);
    let (pw, ph) = panel;
    let mut c = Canvas::new(cols * pw, rows * ph);
    for (i, chart) in charts.iter().enumerate() {
        let (col, row) = (i % cols, i / cols);
        let area = Rect { x: (col * pw) as i64 + 8, y: (row * ph) as i64 + 8, w: pw as i64 - 16, h: ph as i64 - 16 };
        chart.draw(&mut c, area);
    }
    c
}
