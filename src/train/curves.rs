//! Learning curves of a recipe: every stage's validation figures against the cumulative
//! CPU-hours of its training, drawn as one PNG (`ferry recipe report`).
//!
//! A stage's `train.jsonl` lives in the run folder, which a new machine does not have, so
//! `ferry recipe run` also merges each stage's validation lines into the voice pack's
//! `train/history/<stage>.jsonl` (committed with the weights). The curves therefore go on
//! across machines and sessions: the CPU-seconds in those lines are cumulative (checkpoints
//! and released weights carry them), and a step already recorded is replaced, not repeated.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::recipe::Recipe;
use crate::error::{Error, Result};
use crate::plot::{self, LineChart, Series, PALETTE};

/// One validation of a stage: its log line as written by the trainer.
#[derive(Debug, Clone, PartialEq)]
pub struct ValPoint {
    pub step: u64,
    pub cpu_hours: f64,
    pub line: serde_json::Map<String, serde_json::Value>,
}

impl ValPoint {
    /// The value the line names as its headline (what the recipe exports by).
    pub fn headline(&self) -> Option<(&str, f64)> {
        let name = self.line.get("headline")?.as_str()?;
        Some((name, self.line.get(name)?.as_f64()?))
    }

    pub fn get(&self, key: &str) -> Option<f64> {
        self.line.get(key)?.as_f64().filter(|v| v.is_finite())
    }
}

/// The `"kind":"val"` lines of a training log; a missing file has none. Lines that are not
/// JSON objects (a log cut short by a kill) are skipped.
pub fn read_log(path: &Path) -> Result<Vec<ValPoint>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l).ok())
        .filter(|o| o.get("kind").and_then(|k| k.as_str()) == Some("val"))
        .filter_map(|line| {
            let step = line.get("step")?.as_u64()?;
            let cpu_hours = line.get("cpu_s")?.as_f64()? / 3600.0;
            Some(ValPoint { step, cpu_hours, line })
        })
        .collect())
}

/// `older` and `newer` by step (a step in both keeps `newer`'s line), in step order.
pub fn merge(older: Vec<ValPoint>, newer: Vec<ValPoint>) -> Vec<ValPoint> {
    let mut by_step: BTreeMap<u64, ValPoint> = older.into_iter().map(|p| (p.step, p)).collect();
    by_step.extend(newer.into_iter().map(|p| (p.step, p)));
    by_step.into_values().collect()
}

/// Where the pack keeps a stage's validation history.
pub fn history_path(voice: &Path, stage: &str) -> PathBuf {
    voice.join("train").join("history").join(format!("{stage}.jsonl"))
}

/// Everything known of a stage's validations: the pack's history and the run's log.
pub fn stage_history(recipe: &Recipe, stage: &str) -> Result<Vec<ValPoint>> {
    let run_log = recipe.out.join(stage).join("train.jsonl");
    Ok(merge(read_log(&history_path(&recipe.voice, stage))?, read_log(&run_log)?))
}

/// Merges every stage's new validation lines into the pack's history files.
pub fn update_history(recipe: &Recipe) -> Result<()> {
    for stage in &recipe.stages {
        let points = stage_history(recipe, &stage.name)?;
        if points.is_empty() {
            continue;
        }
        let path = history_path(&recipe.voice, &stage.name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut out = Vec::new();
        for p in &points {
            serde_json::to_writer(&mut out, &p.line)?;
            out.push(b'\n');
        }
        let tmp = path.with_extension("jsonl.tmp");
        std::fs::File::create(&tmp).and_then(|mut f| f.write_all(&out)).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// The mel L1 every vocoder family logs for its rendered validation audio.
const VOCODER_MEL_L1: &str = "val_mel_l1";

fn positive(points: &[(f64, f64)]) -> bool {
    !points.is_empty() && points.iter().all(|p| p.1 > 0.0)
}

/// The charts of a recipe: one per stage (its headline validation figure), then the
/// vocoders' mel L1 side by side, one line per family.
pub fn charts(recipe: &Recipe) -> Result<Vec<LineChart>> {
    let x_label = "CPU-hours of training".to_string();
    let mut charts = Vec::new();
    let mut mel_l1 = Vec::new();
    for (k, stage) in recipe.stages.iter().enumerate() {
        let points = stage_history(recipe, &stage.name)?;
        let colour = PALETTE[k % PALETTE.len()];
        let key = points.iter().rev().find_map(|p| p.headline().map(|(n, _)| n.to_string())).unwrap_or_else(|| "loss".into());
        let xy: Vec<(f64, f64)> = points.iter().filter_map(|p| Some((p.cpu_hours, p.get(&key)?))).collect();
        let steps = points.last().map_or(String::new(), |p| format!(", step {}", p.step));
        let who = if stage.name == stage.model { stage.name.clone() } else { format!("{} ({})", stage.name, stage.model) };
        charts.push(LineChart {
            title: format!("{who}: validation {key}{steps}"),
            x_label: x_label.clone(),
            y_label: key.clone(),
            log_y: positive(&xy),
            series: vec![Series { name: stage.name.clone(), colour, points: xy }],
        });
        if points.iter().any(|p| p.get(VOCODER_MEL_L1).is_some()) {
            let xy: Vec<(f64, f64)> = points.iter().filter_map(|p| Some((p.cpu_hours, p.get(VOCODER_MEL_L1)?))).collect();
            mel_l1.push(Series { name: stage.name.clone(), colour, points: xy });
        }
    }
    let all_positive = mel_l1.iter().all(|s| positive(&s.points));
    charts.push(LineChart {
        title: "vocoders: mel L1 of the validation audio".into(),
        x_label,
        y_label: "mel L1".into(),
        log_y: !mel_l1.is_empty() && all_positive,
        series: mel_l1,
    });
    Ok(charts)
}

/// Panel size of the report, in pixels.
pub const PANEL: (usize, usize) = (480, 300);

/// Draws the recipe's learning curves into `png`; returns how many validations it drew.
pub fn draw(recipe: &Recipe, png: &Path) -> Result<usize> {
    let charts = charts(recipe)?;
    let drawn = charts.iter().take(recipe.stages.len()).map(|c| c.series.iter().map(|s| s.points.len()).sum::<usize>()).sum();
    if let Some(dir) = png.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    plot::grid(&charts, 3, PANEL).save_png(png)?;
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(step: u64, cpu_s: f64, loss: f64) -> String {
        format!(r#"{{"kind":"val","step":{step},"cpu_s":{cpu_s},"headline":"loss","loss":{loss}}}"#)
    }

    #[test]
    fn histories_merge_by_step_and_keep_the_newer_line() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        let b = dir.path().join("b.jsonl");
        std::fs::write(&a, [line(100, 360.0, 3.0), line(200, 720.0, 2.0)].join("\n")).unwrap();
        let train = r#"{"kind":"train","step":250,"cpu_s":800,"headline":"loss","loss":9}"#;
        std::fs::write(&b, [line(200, 720.0, 1.9), train.to_string(), "{cut sho".into(), line(300, 1080.0, 1.5)].join("\n")).unwrap();
        let merged = merge(read_log(&a).unwrap(), read_log(&b).unwrap());
        let got: Vec<(u64, f64)> = merged.iter().map(|p| (p.step, p.headline().unwrap().1)).collect();
        assert_eq!(got, vec![(100, 3.0), (200, 1.9), (300, 1.5)]);
        assert!((merged[2].cpu_hours - 0.3).abs() < 1e-12);
        assert!(read_log(&dir.path().join("missing.jsonl")).unwrap().is_empty());
    }
}
