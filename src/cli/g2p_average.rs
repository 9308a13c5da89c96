//! `ferry g2p-average`: averages the weights of G2P models trained from one starting point
//! (a model soup) and scores each input and the average on the validation words, so the
//! choice never looks at the held-out test words.

use std::path::PathBuf;

use clap::Args;

use super::GlobalArgs;
use crate::error::{Error, Result};
use crate::text::g2p_model::LoadedG2p;
use crate::text::g2p_train::{average_models, dataset, evaluate, G2pScores, Split};
use crate::text::lexicon::Lexicon;

#[derive(Debug, Args)]
pub struct G2pAverageArgs {
    /// Model directories (config.json + model.safetensors), all of one config, e.g. runs of
    /// `ferry g2p-train --init data/g2p` with different seeds.
    #[arg(required = true, num_args = 2..)]
    pub models: Vec<PathBuf>,
    /// Where to write the averaged model.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Beam width for the validation scores (1 = greedy, as g2p-train validates).
    #[arg(long, default_value_t = 1)]
    pub beam: usize,
}

fn line(label: &str, s: &G2pScores) {
    println!(
        "{label:<40} WER {:6.2} %   PER {:5.2} %   (without stress {:6.2} % / {:5.2} %)",
        s.wer * 100.0,
        s.per * 100.0,
        s.wer_no_stress * 100.0,
        s.per_no_stress * 100.0
    );
}

pub fn run(g: &GlobalArgs, a: G2pAverageArgs) -> Result<()> {
    let device = super::pick_device(g)?;
    if a.models.contains(&a.out) {
        return Err(Error::arg("--out must be a new directory, not one of the models averaged"));
    }
    let models = a.models.iter().map(|dir| Ok((dir.clone(), LoadedG2p::load(dir, device)?))).collect::<Result<Vec<_>>>()?;
    let soup = average_models(&models, device)?;
    let lex = Lexicon::cmudict()?;
    let valid = dataset(&lex, &soup.model.cfg, Split::Valid);
    println!("validation words: {} (1 % of the training split; the test words are not looked at)", valid.len());
    for (dir, m) in &models {
        line(&dir.display().to_string(), &evaluate(&m.model, &valid, 512, a.beam.max(1), None));
    }
    line(&format!("average of {}", a.models.len()), &evaluate(&soup.model, &valid, 512, a.beam.max(1), None));
    LoadedG2p::save(&soup.vs, &soup.model.cfg, &a.out)?;
    println!("averaged model written to {}", a.out.display());
    Ok(())
}
