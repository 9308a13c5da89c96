//! `ferry bench vocoder` and `ferry bench all`: speed and memory of the vocoders (and of
//! the teacher), recorded in bench/results/ with machine, device, threads and revision.

use std::path::PathBuf;

use clap::Args;

use super::{parse_family, pick_device, GlobalArgs};
use crate::bench::{record, suite, vocoder as vb};
use crate::error::{Error, Result};
use crate::vocoder::{Family, Precision, VocodeOptions};

#[derive(Debug, Args)]
pub struct VocoderBenchArgs {
    /// Vocoder family: ar, gan, vae, flow, diffusion, griffin-lim.
    #[arg(long, value_parser = parse_family)]
    pub family: Family,
    /// Preset name (e.g. v1, base, compact) or a JSON config file.
    #[arg(long, default_value = "base")]
    pub config: String,
    #[command(flatten)]
    pub common: CommonBenchArgs,
}

#[derive(Debug, Args)]
pub struct AllBenchArgs {
    /// Families to measure: all, or a comma-separated list.
    #[arg(long, default_value = "all")]
    pub families: String,
    /// Skip the teacher (Piper) row.
    #[arg(long)]
    pub no_teacher: bool,
    /// Where to write the table.
    #[arg(long, default_value = "bench/README.md")]
    pub readme: PathBuf,
    #[command(flatten)]
    pub common: CommonBenchArgs,
}

#[derive(Debug, Args)]
pub struct CommonBenchArgs {
    /// Seconds of audio per item.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Items in the batched measurement (1 = batch 1 only).
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    /// CPU thread counts to measure, comma-separated (e.g. 1,2). Default: --threads, or
    /// 1 and every core (at most 8).
    #[arg(long = "thread-counts", value_delimiter = ',')]
    pub thread_counts: Vec<usize>,
    /// Timed runs at batch 1 (the best is kept).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// diffusion: denoising steps (default: the model's).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Results folder (a JSON file per day and machine is appended to).
    #[arg(long, default_value = "bench/results")]
    pub results: PathBuf,
    /// `bench vocoder`: arithmetic precision, fp32 or bf16 (gan, flow, diffusion). `bench all`
    /// measures those three in both.
    #[arg(long, default_value = "fp32", value_parser = super::parse_precision)]
    pub precision: Precision,
}

impl CommonBenchArgs {
    fn threads(&self, g: &GlobalArgs) -> Result<Vec<usize>> {
        if self.thread_counts.contains(&0) {
            return Err(Error::arg("--thread-counts takes positive numbers, e.g. 1,2"));
        }
        if !(self.seconds > 0.0 && self.seconds <= 3600.0) {
            return Err(Error::arg(format!("--seconds {} is out of range; use a value in (0, 3600]", self.seconds)));
        }
        Ok(if !self.thread_counts.is_empty() {
            self.thread_counts.clone()
        } else if g.threads > 0 {
            vec![g.threads]
        } else {
            let all = crate::device::default_threads();
            if all > 1 {
                vec![1, all]
            } else {
                vec![1]
            }
        })
    }

    fn options(&self, g: &GlobalArgs) -> VocodeOptions {
        VocodeOptions { seed: Some(g.seed), steps: self.steps, ..Default::default() }
    }
}

pub fn run_vocoder(g: &GlobalArgs, a: VocoderBenchArgs) -> Result<()> {
    let device = pick_device(g)?;
    let mut records = Vec::new();
    for threads in a.common.threads(g)? {
        eprintln!("ferry: timing {} {} on {} with {threads} thread(s)", a.family, a.config, vb::device_label(device));
        let b = vb::VocoderBench {
            family: a.family,
            config: a.config.clone(),
            seconds: a.common.seconds,
            batch: a.common.batch.max(1),
            threads,
            runs: a.common.runs,
            device,
            options: a.common.options(g),
            precision: a.common.precision,
        };
        records.push(vb::run(&b)?);
    }
    let path = record::results_path(&a.common.results, &records[0].date, &records[0].machine);
    record::append(&path, &records)?;
    print!("{}", record::markdown_table(&records));
    eprintln!("ferry: appended {} record(s) to {}", records.len(), path.display());
    Ok(())
}

pub fn run_all(g: &GlobalArgs, a: AllBenchArgs) -> Result<()> {
    let device = pick_device(g)?;
    let families: Vec<Family> = Family::parse_list(&a.families)?.unwrap_or_else(|| Family::ALL.to_vec());
    let s = suite::Suite {
        families,
        seconds: a.common.seconds,
        batch: a.common.batch.max(1),
        threads: a.common.threads(g)?,
        runs: a.common.runs,
        device,
        teacher: !a.no_teacher,
        options: a.common.options(g),
    };
    let result = suite::run(&s, |row| eprintln!("ferry: timing {row}"))?;
    for (what, why) in &result.skipped {
        eprintln!("ferry: not measured: {what}: {why}");
    }
    let path = suite::save(&result, &a.common.results)?;
    let command = format!(
        "ferry bench all --seconds {} --batch {} --thread-counts {} --device {}",
        s.seconds,
        s.batch,
        s.threads.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(","),
        vb::device_label(device).split(' ').next().unwrap_or("cpu")
    );
    let mut readme = suite::readme(&result, &command, &path);
    // Sections other benchmarks wrote below the marker (the servers') are kept.
    if let Some(kept) = std::fs::read_to_string(&a.readme).ok().and_then(|old| old.find(suite::KEEP_MARKER).map(|i| old[i..].to_string())) {
        readme.push('\n');
        readme.push_str(&kept);
    }
    if let Some(dir) = a.readme.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&a.readme, &readme).map_err(|e| Error::io(&a.readme, e))?;
    print!("{}", record::markdown_table(&result.records));
    eprintln!("ferry: appended {} record(s) to {}; wrote {}", result.records.len(), path.display(), a.readme.display());
    Ok(())
}
