//! `ferry listen report`: scores a study from its ratings log.
//!
//! - MUSHRA (ITU-R BS.1534-3 §9.3 post-screening): a listener who rated the hidden reference
//!   below 90 on more than 15 % of their trials is excluded, and the report says who and why.
//! - MUSHRA and MOS: per condition the mean and 95 % Student-t confidence interval over all
//!   ratings of the kept listeners, and a paired Wilcoxon signed-rank test for every pair of
//!   conditions (pairs matched by listener and trial/sentence; see [`super::stats`] for the
//!   exact/normal choice), with Holm-adjusted p-values.
//! - A/B: wins per pair of conditions and an exact two-sided sign test (ties left out).
//!
//! Writes `report/report.md`, `report/report.json`, and `report/<mode>.png` / `.svg`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;

use super::manifest::{Study, RATINGS};
use super::plan::Mode;
use super::plot::{Plot, PlotRow};
use super::stats::{self, Summary, Wilcoxon, WilcoxonMethod};
use super::store::{read_records, Record};
use crate::error::{Error, Result};

/// Hidden-reference score below which a trial counts against a listener.
pub const SCREEN_SCORE: f64 = 90.0;
/// Fraction of such trials above which a listener is excluded.
pub const SCREEN_FRACTION: f64 = 0.15;

/// Post-screening outcome of one MUSHRA listener.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screening {
    pub listener: String,
    pub trials: usize,
    /// Trials where the hidden reference was rated below 90.
    pub below: usize,
    pub excluded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionStats {
    pub condition: String,
    pub label: String,
    #[serde(flatten)]
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairTest {
    pub a: String,
    pub b: String,
    #[serde(flatten)]
    pub test: Wilcoxon,
    pub p_holm: f64,
}

/// Scores of a MUSHRA or MOS test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreSection {
    pub mode: Mode,
    pub listeners: usize,
    pub kept: usize,
    /// MUSHRA only.
    pub screening: Vec<Screening>,
    pub conditions: Vec<ConditionStats>,
    pub pairs: Vec<PairTest>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbPair {
    pub a: String,
    pub b: String,
    pub a_preferred: usize,
    pub b_preferred: usize,
    pub no_preference: usize,
    /// Exact two-sided sign test on the decided trials.
    pub p: f64,
    pub p_holm: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbSection {
    pub listeners: usize,
    pub pairs: Vec<AbPair>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub title: String,
    pub records: usize,
    pub unreadable_lines: usize,
    pub mushra: Option<ScoreSection>,
    pub mos: Option<ScoreSection>,
    pub ab: Option<AbSection>,
}

/// Keeps the last record of each (listener, mode, trial).
fn latest(records: Vec<Record>) -> Vec<Record> {
    let mut by: BTreeMap<(String, String, String), Record> = BTreeMap::new();
    for r in records {
        by.insert((r.listener.clone(), r.mode.key().to_string(), r.trial.clone()), r);
    }
    by.into_values().collect()
}

/// Post-screening of MUSHRA listeners.
pub fn screen(records: &[Record]) -> Vec<Screening> {
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in records.iter().filter(|r| r.mode == Mode::Mushra) {
        let e = per.entry(&r.listener).or_default();
        e.0 += 1;
        if r.scores.iter().any(|s| s.hidden_reference && s.score < SCREEN_SCORE) {
            e.1 += 1;
        }
    }
    per.into_iter()
        .map(|(l, (trials, below))| Screening { listener: l.to_string(), trials, below, excluded: below as f64 > SCREEN_FRACTION * trials as f64 })
        .collect()
}

fn score_section(study: &Study, records: &[Record], mode: Mode) -> Option<ScoreSection> {
    let recs: Vec<&Record> = records.iter().filter(|r| r.mode == mode).collect();
    if recs.is_empty() {
        return None;
    }
    let screening = if mode == Mode::Mushra { screen(records) } else { Vec::new() };
    let excluded: BTreeSet<&str> = screening.iter().filter(|s| s.excluded).map(|s| s.listener.as_str()).collect();
    let listeners: BTreeSet<&str> = recs.iter().map(|r| r.listener.as_str()).collect();
    let kept: Vec<&&Record> = recs.iter().filter(|r| !excluded.contains(r.listener.as_str())).collect();
    // condition → (listener, sentence) → score
    let mut by: HashMap<&str, BTreeMap<(String, usize), f64>> = HashMap::new();
    for r in &kept {
        for s in &r.scores {
            by.entry(s.condition.as_str()).or_default().insert((r.listener.clone(), r.sentence), s.score);
        }
    }
    let conds: Vec<_> = study.conditions.iter().filter(|c| by.contains_key(c.key.as_str())).collect();
    let mut conditions: Vec<ConditionStats> = conds
        .iter()
        .map(|c| ConditionStats {
            condition: c.key.clone(),
            label: c.label.clone(),
            summary: stats::summarize(&by[c.key.as_str()].values().copied().collect::<Vec<_>>()),
        })
        .collect();
    conditions.sort_by(|a, b| b.summary.mean.total_cmp(&a.summary.mean));
    let mut pairs = Vec::new();
    for i in 0..conditions.len() {
        for j in i + 1..conditions.len() {
            let (a, b) = (&by[conditions[i].condition.as_str()], &by[conditions[j].condition.as_str()]);
            let (x, y): (Vec<f64>, Vec<f64>) = a.iter().filter_map(|(k, va)| b.get(k).map(|vb| (*va, *vb))).unzip();
            pairs.push(PairTest { a: conditions[i].condition.clone(), b: conditions[j].condition.clone(), test: stats::wilcoxon(&x, &y), p_holm: 1.0 });
        }
    }
    let adj = stats::holm(&pairs.iter().map(|p| p.test.p).collect::<Vec<_>>());
    pairs.iter_mut().zip(adj).for_each(|(p, a)| p.p_holm = a);
    Some(ScoreSection {
        mode,
        listeners: listeners.len(),
        kept: listeners.len() - excluded.iter().filter(|l| listeners.contains(*l)).count(),
        screening,
        conditions,
        pairs,
    })
}

fn ab_section(study: &Study, records: &[Record]) -> Option<AbSection> {
    let recs: Vec<&Record> = records.iter().filter(|r| r.mode == Mode::Ab && r.scores.len() == 2).collect();
    if recs.is_empty() {
        return None;
    }
    let order = |k: &str| study.conditions.iter().position(|c| c.key == k).unwrap_or(usize::MAX);
    let mut counts: BTreeMap<(usize, String, String), [usize; 3]> = BTreeMap::new();
    for r in &recs {
        let (mut a, mut b) = (&r.scores[0], &r.scores[1]);
        if order(&a.condition) > order(&b.condition) {
            std::mem::swap(&mut a, &mut b);
        }
        let e = counts.entry((order(&a.condition) * 1000 + order(&b.condition), a.condition.clone(), b.condition.clone())).or_default();
        match (a.score, b.score) {
            (x, y) if x > y => e[0] += 1,
            (x, y) if y > x => e[1] += 1,
            _ => e[2] += 1,
        }
    }
    let mut pairs: Vec<AbPair> = counts
        .into_iter()
        .map(|((_, a, b), [wa, wb, t])| AbPair { a, b, a_preferred: wa, b_preferred: wb, no_preference: t, p: stats::sign_test(wa, wa + wb), p_holm: 1.0 })
        .collect();
    let adj = stats::holm(&pairs.iter().map(|p| p.p).collect::<Vec<_>>());
    pairs.iter_mut().zip(adj).for_each(|(p, a)| p.p_holm = a);
    let listeners: BTreeSet<&str> = recs.iter().map(|r| r.listener.as_str()).collect();
    Some(AbSection { listeners: listeners.len(), pairs })
}

/// Scores `records` of `study`.
pub fn build(study: &Study, records: Vec<Record>, unreadable_lines: usize) -> Report {
    let n = records.len();
    let records = latest(records);
    Report {
        title: study.title.clone(),
        records: n,
        unreadable_lines,
        mushra: score_section(study, &records, Mode::Mushra),
        mos: score_section(study, &records, Mode::Mos),
        ab: ab_section(study, &records),
    }
}

fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

impl Report {
    /// The report as Markdown.
    pub fn markdown(&self, study: &Study) -> String {
        let mut md = format!("# Listening test: {}\n\n", self.title);
        md += &format!(
            "{} sentences, {} conditions; every stimulus loudness-matched to {:.1} LUFS ({}). {} ratings records",
            study.sentences.len(),
            study.conditions.len(),
            study.loudness.target_lufs,
            study.loudness.method,
            self.records
        );
        if self.unreadable_lines > 0 {
            md += &format!(" ({} unreadable lines skipped)", self.unreadable_lines);
        }
        md += ".\n\n";
        if self.mushra.is_none() && self.mos.is_none() && self.ab.is_none() {
            md += "No ratings yet.\n";
        }
        for sec in [&self.mushra, &self.mos].into_iter().flatten() {
            md += &section_md(sec);
        }
        if let Some(ab) = &self.ab {
            md += &format!("## A/B preference\n\n{} listeners. Exact two-sided sign test on the decided trials (no-preference answers left out); Holm-adjusted over all pairs.\n\n", ab.listeners);
            md += "| A | B | A preferred | B preferred | no preference | p | p (Holm) |\n|---|---|---:|---:|---:|---:|---:|\n";
            for p in &ab.pairs {
                md += &format!("| {} | {} | {} | {} | {} | {} | {} |\n", p.a, p.b, p.a_preferred, p.b_preferred, p.no_preference, fmt_p(p.p), fmt_p(p.p_holm));
            }
            md += "\n";
        }
        md += &stimuli_md(study);
        md
    }

    /// Writes report.md, report.json and the plots into `out`.
    pub fn write(&self, study: &Study, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let md = out.join("report.md");
        std::fs::write(&md, self.markdown(study)).map_err(|e| Error::io(&md, e))?;
        let js = out.join("report.json");
        std::fs::write(&js, serde_json::to_string_pretty(self)?).map_err(|e| Error::io(&js, e))?;
        for sec in [&self.mushra, &self.mos].into_iter().flatten() {
            let (min, max, step) = if sec.mode == Mode::Mushra { (0.0, 100.0, 20.0) } else { (1.0, 5.0, 1.0) };
            let plot = Plot {
                title: format!("{} ({} listeners)", sec.mode.key().to_uppercase(), sec.kept),
                axis: if sec.mode == Mode::Mushra { "score, mean and 95% CI".into() } else { "MOS, mean and 95% CI".into() },
                min,
                max,
                step,
                rows: sec.conditions.iter().map(|c| PlotRow { label: c.condition.clone(), mean: c.summary.mean, ci: c.summary.ci95 }).collect(),
            };
            plot.write_png(&out.join(format!("{}.png", sec.mode)))?;
            plot.write_svg(&out.join(format!("{}.svg", sec.mode)))?;
        }
        Ok(())
    }
}

/// The unblinded key: every stimulus with its audio, spectrogram and loudness gain.
fn stimuli_md(study: &Study) -> String {
    let mut md =
        String::from("## Stimuli (unblinded)\n\nAudio and spectrogram of every sentence × condition; gain is what loudness matching applied.\n\n| Sentence |");
    for c in &study.conditions {
        md += &format!(" {} |", c.key);
    }
    md += "\n|---|";
    md += &"---|".repeat(study.conditions.len());
    md += "\n";
    for s in &study.sentences {
        md += &format!("| {} |", s.id);
        for c in &study.conditions {
            md += &match study.stimulus_for(s.index, &c.key) {
                Some(st) => format!(" [wav](../{}) [png](../{}) {:+.1} dB |", st.file, st.image, st.gain_db),
                None => " – |".to_string(),
            };
        }
        md += "\n";
    }
    if !study.notes.is_empty() {
        md += "\nNotes from `ferry compare`:\n\n";
        for n in &study.notes {
            md += &format!("- {n}\n");
        }
    }
    md
}

fn section_md(sec: &ScoreSection) -> String {
    let name = if sec.mode == Mode::Mushra { "MUSHRA (ITU-R BS.1534-3)" } else { "MOS (ITU-T P.800 ACR, 1–5)" };
    let mut md = format!("## {name}\n\n");
    if sec.mode == Mode::Mushra {
        let excluded: Vec<_> = sec.screening.iter().filter(|s| s.excluded).collect();
        md += &format!(
            "Post-screening: listeners who rated the hidden reference below {SCREEN_SCORE} on more than {:.0} % of their trials are excluded. {} of {} listeners kept.\n",
            SCREEN_FRACTION * 100.0,
            sec.kept,
            sec.listeners
        );
        for s in &excluded {
            md += &format!(
                "- excluded listener `{}`: hidden reference below {SCREEN_SCORE} in {} of {} trials ({:.0} %)\n",
                s.listener,
                s.below,
                s.trials,
                100.0 * s.below as f64 / s.trials as f64
            );
        }
        md += "\n";
    } else {
        md += &format!("{} listeners.\n\n", sec.listeners);
    }
    if sec.conditions.is_empty() {
        md += "No ratings from kept listeners.\n\n";
        return md;
    }
    md += &format!("![{0}]({0}.png)\n\n", sec.mode);
    md += "| Condition | n | Mean | 95 % CI | SD |\n|---|---:|---:|---:|---:|\n";
    for c in &sec.conditions {
        let s = &c.summary;
        let ci = s.ci95.map_or("–".to_string(), |h| format!("{:.1} – {:.1} (±{h:.1})", s.mean - h, s.mean + h));
        md += &format!("| {} | {} | {:.1} | {ci} | {:.1} |\n", c.condition, s.n, s.mean, s.sd);
    }
    md += "\n### Paired Wilcoxon signed-rank tests\n\n";
    md += &format!(
        "Pairs matched by listener and sentence; zero differences dropped; tied |d| get average ranks. Exact permutation p-value when at most {} non-zero differences remain, else the normal approximation with tie-corrected variance and continuity correction. Two-sided; Holm-adjusted over all pairs.\n\n",
        stats::EXACT_MAX_N
    );
    md += "| A | B | pairs | W+ | W− | W | p | p (Holm) | method |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    for p in &sec.pairs {
        let t = &p.test;
        let method = match t.method {
            WilcoxonMethod::Exact => "exact".to_string(),
            WilcoxonMethod::Normal => format!("normal, z = {:.2}", t.z.unwrap_or(0.0)),
            WilcoxonMethod::NoDifferences => "no differences".to_string(),
        };
        md += &format!("| {} | {} | {} | {} | {} | {} | {} | {} | {method} |\n", p.a, p.b, t.pairs, t.w_plus, t.w_minus, t.w, fmt_p(t.p), fmt_p(p.p_holm));
    }
    md += "\n";
    md
}

/// Reads the study in `dir` and its ratings, writes `dir/report/`, and returns the report.
pub fn report_dir(dir: &Path) -> Result<Report> {
    let study = Study::load(dir)?;
    let (records, skipped) = read_records(&dir.join(RATINGS))?;
    let report = build(&study, records, skipped);
    report.write(&study, &dir.join("report"))?;
    Ok(report)
}
