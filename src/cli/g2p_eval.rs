//! `ferry g2p-eval`: word and phoneme error rates of the learned G2P model on the held-out
//! 5 % of CMUdict (words it was never trained on).

use std::path::PathBuf;

use clap::Args;

use super::GlobalArgs;
use crate::error::{Error, Result};
use crate::text::g2p_model::LoadedG2p;
use crate::text::g2p_train::{dataset, is_wrong, predict_all, score, Split};
use crate::text::lexicon::{data_dir, Lexicon};

#[derive(Debug, Args)]
pub struct G2pEvalArgs {
    /// Model directory (config.json + model.safetensors); default data/g2p.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Evaluate only the first N held-out words (0 = all).
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
    /// Words decoded per batch.
    #[arg(long, default_value_t = 512)]
    pub batch: usize,
    /// Beam width of the decoding (1 = greedy); the frontend uses the default.
    #[arg(long, default_value_t = crate::text::g2p_model::DEFAULT_BEAM)]
    pub beam: usize,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the words it got wrong to this file, one a line: word, prediction and
    /// the dictionary's pronunciations, tab-separated (for error analysis).
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
}

pub fn run(g: &GlobalArgs, a: G2pEvalArgs) -> Result<()> {
    let device = super::pick_device(g)?;
    let dir = a.model.unwrap_or_else(|| data_dir().join("g2p"));
    let m = LoadedG2p::load(&dir, device)?;
    let lex = Lexicon::cmudict()?;
    let mut test = dataset(&lex, &m.model.cfg, Split::Test);
    if a.limit > 0 {
        test.truncate(a.limit);
    }
    let pb = indicatif::ProgressBar::new(test.len() as u64);
    pb.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} words {eta}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let t = std::time::Instant::now();
    let preds = predict_all(&m.model, &test, a.batch, a.beam.max(1), Some(&pb));
    pb.finish_and_clear();
    let s = score(&preds, &test);
    if let Some(path) = &a.errors {
        let mut tsv = String::from("word\tpredicted\tdictionary\n");
        for (pred, (word, refs)) in preds.iter().zip(&test) {
            if is_wrong(pred, refs) {
                let refs: Vec<String> = refs.iter().map(|r| r.join(" ")).collect();
                tsv.push_str(&format!("{word}\t{}\t{}\n", pred.join(" "), refs.join(" | ")));
            }
        }
        std::fs::write(path, tsv).map_err(|e| Error::io(path, e))?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        println!("held-out CMUdict words: {} (5 %, never trained on); beam {}; {:.1} s", s.words, a.beam.max(1), t.elapsed().as_secs_f64());
        println!("  with stress:    WER {:6.2} %   PER {:5.2} %", s.wer * 100.0, s.per * 100.0);
        println!("  without stress: WER {:6.2} %   PER {:5.2} %", s.wer_no_stress * 100.0, s.per_no_stress * 100.0);
    }
    Ok(())
}
