//! `ferry eval`: objective evaluation of a voice's vocoders (and, with an acoustic model,
//! of text to speech): WER by an offline Whisper judge, predicted MOS (DistillMOS), and
//! against reference audio log-mel L1, MCD (DTW), F0 RMSE and voicing error.

use std::path::PathBuf;

use clap::Args;

use super::{optional_voice, pick_device, GlobalArgs};
use crate::error::{Error, Result};
use crate::eval::corpus;
use crate::eval::run::{evaluate, track_f0, EvalPlan, JudgeChoice};
use crate::vocoder::{Family, VocodeOptions};
use crate::voice::Voice;

const AFTER_HELP: &str = "\
Examples:
  ferry eval --voice joe --resynth data/fixtures -o results/
      copy synthesis: vocode each reference's own mel with every family (isolates the vocoder)
  ferry eval --voice joe -f sentences.txt --families gan,diffusion --reference refs/ -o results/
      text to speech, scored against reference recordings paired by DTW

A reference folder is in LJSpeech layout (metadata.csv + wavs/) or a folder of WAVs (with
<id>.txt transcripts beside them when known). Without transcripts, WER is measured against
what the ASR judge hears in the reference recording.

Writes OUT/eval.md (table), OUT/eval.json (all numbers, per utterance too), OUT/eval.png
(bar charts) and OUT/wavs/<system>/<id>.wav. The judges run from the project's .venv
(make venv); a judge that cannot run leaves its column n/a with the reason.";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct EvalArgs {
    /// Voice to evaluate (name or directory). Default: joe if installed.
    #[arg(long)]
    pub voice: Option<String>,
    /// Sentences to synthesise: one per line, or id|text (text-to-speech mode).
    #[arg(short = 'f', long = "sentences", required_unless_present = "resynth")]
    pub sentences: Option<PathBuf>,
    /// Vocoder families: "all" (every family the voice has, plus griffin-lim) or a
    /// comma-separated list such as gan,diffusion,griffin-lim.
    #[arg(long, default_value = "all")]
    pub families: String,
    /// Reference recordings for text-to-speech mode, matched to the sentences by id.
    #[arg(long, conflicts_with = "resynth")]
    pub reference: Option<PathBuf>,
    /// Copy synthesis: vocode the log-mel of every WAV in this folder (LJSpeech layout or
    /// plain WAVs) and score the result against the original.
    #[arg(long)]
    pub resynth: Option<PathBuf>,
    /// Output folder.
    #[arg(short, long, default_value = "results")]
    pub out: PathBuf,
    /// Evaluate at most this many utterances (the first ones).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Skip the ASR judge (WER n/a).
    #[arg(long)]
    pub no_asr: bool,
    /// Skip the MOS judge (MOS n/a).
    #[arg(long)]
    pub no_mos: bool,
}

pub fn run(g: &GlobalArgs, a: EvalArgs) -> Result<()> {
    let voice =
        optional_voice(a.voice.as_deref())?.ok_or_else(|| Error::arg("no voice to evaluate: pass --voice NAME or a voice directory (see `ferry voices`)"))?;
    let families = parse_families(&a.families, &voice)?;
    let mut items = match (&a.resynth, &a.sentences) {
        (Some(dir), _) => corpus::read_reference_dir(dir)?,
        (None, Some(f)) => {
            let mut items = corpus::read_sentences(f)?;
            if let Some(dir) = &a.reference {
                corpus::attach_references(&mut items, &corpus::read_reference_dir(dir)?)?;
            }
            items
        }
        (None, None) => return Err(Error::arg("give sentences with -f FILE, or a folder of WAVs with --resynth DIR")),
    };
    if let Some(n) = a.limit {
        items.truncate(n.max(1));
    }
    let device = pick_device(g)?;
    let plan = EvalPlan {
        voice: &voice,
        families,
        items,
        resynth: a.resynth.is_some(),
        out_dir: a.out.clone(),
        device,
        options: VocodeOptions { seed: Some(g.seed), ..Default::default() },
        judges: JudgeChoice { asr: !a.no_asr, mos: !a.no_mos },
        pitch: Ok(track_f0),
        progress: true,
    };
    let report = evaluate(&plan)?;
    let files = report.write(&a.out)?;
    print!("{}", report.to_markdown());
    for f in files {
        eprintln!("ferry: wrote {}", f.display());
    }
    Ok(())
}

/// "all" → every family the voice has weights for, then griffin-lim; else a comma list.
fn parse_families(spec: &str, voice: &Voice) -> Result<Vec<Family>> {
    let Some(named) = Family::parse_list(spec)? else {
        return Ok(Family::ALL.into_iter().filter(|f| *f == Family::GriffinLim || voice.config.vocoders.contains_key(f.key())).collect());
    };
    for f in named.iter().filter(|f| **f != Family::GriffinLim) {
        voice.vocoder_entry(f.key())?;
    }
    Ok(named)
}
