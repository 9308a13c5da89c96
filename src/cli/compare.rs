//! `ferry compare`: build a blinded listening study (stimuli, anchors, loudness matching,
//! spectrograms, manifest) to serve with `ferry listen`.

use std::path::PathBuf;
use std::rc::Rc;

use clap::Args;

use super::{optional_voice, pick_device, GlobalArgs, SamplingArgs};
use crate::audio::MelConfig;
use crate::error::{Error, Result};
use crate::listen::anchor::{LOW_ANCHOR_HZ, MID_ANCHOR_HZ};
use crate::listen::manifest::read_sentences;
use crate::listen::render::{Anchor, CopySynthesis, Reference, Render, TextToSpeech};
use crate::listen::study::{self, BuildOptions, SourceDirs};
use crate::synth::{SynthOptions, Synthesizer, TextToMel};
use crate::vocoder::{self, griffin_lim::GriffinLim, Family, VocodeOptions};

const AFTER_HELP: &str = "\
Examples:
  ferry compare -f sentences.txt --reference teacher/ --voice joe -o study/
  ferry compare -f sentences.txt --reference teacher/ --families gan,diffusion --steps 6 50 -o study/
  ferry compare -f sentences.txt --reference teacher/ --voice joe --tts -o study/
      copy synthesis and text to speech side by side, against the recordings
  ferry listen study/                       then open http://127.0.0.1:8000/

Recordings are found as DIR/<id>.wav (the id of an `id|text` line) or DIR/<n>.wav (n = the
sentence's line number among non-empty lines, from 1). Every stimulus of a sentence is cut to
the same length and brought to one loudness (ITU-R BS.1770-4, default -23 LUFS).";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CompareArgs {
    /// Sentences, one per line (or `id|text` lines, LJSpeech style).
    #[arg(short = 'f', long = "file")]
    pub sentences: PathBuf,
    /// Output study directory (refuses to replace an existing study without --force).
    #[arg(short, long)]
    pub out: PathBuf,
    /// Voice whose vocoders and mel definition to use. Default: joe if installed, else the
    /// standard 22 050 Hz mel with Griffin-Lim only.
    #[arg(long)]
    pub voice: Option<String>,
    /// Vocoder families: `all` (those the voice has; others are skipped with a note), or a
    /// comma-separated list (ar,gan,vae,flow,diffusion) that must all be available.
    /// Griffin-Lim is always included.
    #[arg(long, default_value = "all")]
    pub families: String,
    /// Reference recordings of the sentences: played as the (hidden) reference, low-passed
    /// into the anchors, and vocoded for copy synthesis unless --resynth is given.
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// Recordings whose mels are vocoded (copy synthesis), if not the reference ones.
    #[arg(long, value_name = "DIR")]
    pub resynth: Option<PathBuf>,
    /// diffusion: one condition per number of denoising steps (e.g. --steps 6 50).
    #[arg(long, num_args = 1..)]
    pub steps: Vec<usize>,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Loudness every stimulus is matched to, in LUFS (lowered if a stimulus would clip).
    #[arg(long, default_value_t = -23.0, allow_negative_numbers = true)]
    pub lufs: f64,
    /// Also add the 7 kHz low-passed mid anchor.
    #[arg(long)]
    pub mid_anchor: bool,
    /// Add text-to-speech conditions (`tts-<family>`): each sentence through the voice's
    /// acoustic model and every family's vocoder, Griffin-Lim included.
    #[arg(long)]
    pub tts: bool,
    /// Title shown to listeners (say nothing about the systems).
    #[arg(long, default_value = "Listening test")]
    pub title: String,
    /// Replace a study already in --out (its ratings are kept as a backup file).
    #[arg(long)]
    pub force: bool,
}

pub fn run(g: &GlobalArgs, a: CompareArgs) -> Result<()> {
    let sentences = read_sentences(&a.sentences)?;
    let named = Family::parse_list(&a.families)?;
    if !a.lufs.is_finite() || !(-70.0..=0.0).contains(&a.lufs) {
        return Err(Error::arg(format!("--lufs {} is out of range; use a level between -70 and 0 (e.g. -23)", a.lufs)));
    }
    if a.reference.is_none() && a.resynth.is_none() && !a.tts {
        return Err(Error::arg(
            "nothing to render from: pass --reference DIR with recordings of the sentences (copy synthesis), or --tts to speak them with the voice's acoustic model",
        ));
    }
    for d in [&a.reference, &a.resynth].into_iter().flatten() {
        if !d.is_dir() {
            return Err(Error::arg(format!("{}: not a directory of WAV recordings", d.display())));
        }
    }
    let voice = optional_voice(a.voice.as_deref())?;
    let mel: MelConfig = voice.as_ref().map_or_else(MelConfig::default, |v| v.config.mel.clone());
    let device = pick_device(g)?;
    let opts = a.sampling.options(g.seed);

    let mut notes = Vec::new();
    let mut renders: Vec<Box<dyn Render>> = Vec::new();
    if a.reference.is_some() {
        renders.push(Box::new(Reference));
        renders.push(Box::new(Anchor { cutoff: LOW_ANCHOR_HZ }));
        if a.mid_anchor {
            renders.push(Box::new(Anchor { cutoff: MID_ANCHOR_HZ }));
        }
    } else {
        notes.push("no --reference: no reference or anchors (MUSHRA needs them; A/B and MOS work)".to_string());
    }
    let copy = a.reference.is_some() || a.resynth.is_some();
    if copy {
        renders.push(Box::new(CopySynthesis::new(Box::new(GriffinLim::new(&mel, device)?), opts.clone(), &mel, None)?));
    }
    let tts_text = match (a.tts, voice.as_ref()) {
        (false, _) => None,
        (true, None) => return Err(Error::arg("--tts needs a voice with an acoustic model: pass --voice NAME (see `ferry voices`)")),
        (true, Some(v)) => {
            // One frontend and acoustic model, shared by every family's condition.
            let text = Rc::new(TextToMel::load(v, device)?);
            let gl = Synthesizer::with_vocoder(text.clone(), vocoder::load(v, Family::GriffinLim, device)?);
            renders.push(Box::new(TextToSpeech::new(gl, SynthOptions { vocode: opts.clone(), ..Default::default() })));
            Some(text)
        }
    };
    if !a.steps.is_empty() && named.as_ref().is_some_and(|n| !n.contains(&Family::Diffusion)) {
        eprintln!("ferry: note: --steps applies to the diffusion family, which --families leaves out");
    }
    let families: Vec<Family> = named.clone().unwrap_or_else(|| Family::NEURAL.to_vec()).into_iter().filter(|f| *f != Family::GriffinLim).collect();
    for f in families {
        let explicit = named.is_some();
        let Some(v) = voice.as_ref() else {
            let msg = format!("{f}: skipped, no voice (pass --voice NAME; see `ferry voices`)");
            if explicit {
                return Err(Error::arg(msg));
            }
            notes.push(msg);
            continue;
        };
        let variants: Vec<Option<usize>> = if f == Family::Diffusion && !a.steps.is_empty() { a.steps.iter().map(|s| Some(*s)).collect() } else { vec![None] };
        if let Some(text) = &tts_text {
            let o = VocodeOptions { steps: variants[0], ..opts.clone() };
            match vocoder::load(v, f, device).map(|voc| Synthesizer::with_vocoder(text.clone(), voc)) {
                Ok(tts) => renders.push(Box::new(TextToSpeech::new(tts, SynthOptions { vocode: o, ..Default::default() }))),
                Err(e) if !explicit => notes.push(format!("{f}: no text-to-speech condition ({e})")),
                Err(e) => return Err(e),
            }
        }
        if !copy {
            continue;
        }
        for steps in variants {
            match vocoder::load(v, f, device) {
                Ok(voc) => {
                    let o = VocodeOptions { steps, ..opts.clone() };
                    renders.push(Box::new(CopySynthesis::new(voc, o, &mel, steps.map(|s| format!("steps{s}")))?));
                }
                Err(e) if !explicit => {
                    notes.push(format!("{f}: skipped ({e})"));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
    }
    for n in &notes {
        eprintln!("ferry: note: {n}");
    }
    let build = BuildOptions {
        title: a.title.clone(),
        voice: voice.as_ref().map(|v| v.name().to_string()),
        mel,
        target_lufs: a.lufs,
        notes,
        force: a.force,
        progress: true,
        seed: None,
    };
    let dirs = SourceDirs { reference: a.reference.clone(), resynth: a.resynth.clone() };
    let study = study::build(&a.out, &sentences, &dirs, renders, &build)?;
    eprintln!(
        "ferry: wrote {} ({} sentences × {} conditions: {}; loudness {:.1} LUFS)",
        a.out.join("study.json").display(),
        study.sentences.len(),
        study.conditions.len(),
        study.conditions.iter().map(|c| c.key.as_str()).collect::<Vec<_>>().join(", "),
        study.loudness.target_lufs
    );
    eprintln!("ferry: serve it with `ferry listen {}`", a.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_list() {
        assert_eq!(Family::parse_list("all").unwrap(), None);
        assert_eq!(Family::parse_list("gan, diffwave,gan").unwrap(), Some(vec![Family::Gan, Family::Diffusion]));
        assert!(Family::parse_list("wavenet").is_err());
        assert!(Family::parse_list(",").is_err());
    }
}
