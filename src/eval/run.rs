//! One evaluation: vocode (or synthesise) every utterance with every chosen system, score
//! the audio against the references and the judges, and gather a [`Report`].
//!
//! Copy synthesis (`resynth`) vocodes each reference recording's own log-mel, so the
//! distances isolate the vocoder (frames share a time axis and are paired one to one).
//! Text mode synthesises the sentences with the voice's acoustic model; references, when
//! given, are paired with the synthesis by DTW.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tch::Device;

use super::corpus::Item;
use super::f0::F0Accumulator;
use super::judges::{self, Judged};
use super::report::{Report, SystemScores, UtteranceScores};
use super::wer::{word_errors, WordErrors};
use super::{dtw, mcd, mel_l1};
use crate::audio::pitch::{PitchConfig, PitchTracker};
use crate::audio::{self, Audio, Mel, MelConfig, MelExtractor, SampleFormat};
use crate::error::{Error, Result};
use crate::vocoder::{self, Family, VocodeOptions, Vocoder};
use crate::voice::Voice;

/// A pitch tracker: samples at the mel's rate → one F0 value per mel frame (Hz, 0 = unvoiced).
pub type PitchFn = fn(&[f32], &MelConfig) -> Result<Vec<f32>>;

/// The default tracker: [`crate::audio::pitch`] (YIN with pYIN-style Viterbi smoothing) on
/// the voice's mel framing.
pub fn track_f0(samples: &[f32], mel: &MelConfig) -> Result<Vec<f32>> {
    Ok(PitchTracker::new(&PitchConfig::for_mel(mel))?.track(samples).f0)
}

/// Which judges to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JudgeChoice {
    pub asr: bool,
    pub mos: bool,
}

/// Everything one evaluation needs.
pub struct EvalPlan<'a> {
    pub voice: &'a Voice,
    pub families: Vec<Family>,
    pub items: Vec<Item>,
    /// Copy synthesis of the references (true) or text-to-speech (false).
    pub resynth: bool,
    pub out_dir: PathBuf,
    pub device: Device,
    pub options: VocodeOptions,
    pub judges: JudgeChoice,
    /// The F0 tracker, or why there is none (the F0 columns then say so).
    pub pitch: std::result::Result<PitchFn, String>,
    /// Progress on stderr.
    pub progress: bool,
}

/// One utterance's reference, loaded once.
struct Reference {
    audio: Audio,
    mel: Mel,
    f0: Option<Vec<f32>>,
    wav: PathBuf,
}

/// Runs the evaluation and writes the audio under `out_dir/wavs/<system>/<id>.wav`.
pub fn evaluate(plan: &EvalPlan) -> Result<Report> {
    let mel_cfg = &plan.voice.config.mel;
    let extractor = MelExtractor::new(mel_cfg)?;
    let wav_root = plan.out_dir.join("wavs");
    let mut notes = Vec::new();

    // References: resampled to the voice's rate, their mels and F0 computed once.
    let mut refs: Vec<Option<Reference>> = Vec::new();
    for item in &plan.items {
        refs.push(match &item.reference {
            Some(path) => Some(load_reference(path, &item.id, plan, &extractor, &wav_root)?),
            None => None,
        });
    }
    if plan.resynth && refs.iter().any(Option::is_none) {
        return Err(Error::arg("copy synthesis (--resynth) needs a reference WAV for every utterance"));
    }

    // Text to speech: every item's mel comes from the acoustic model once, and every
    // family vocodes the same mel (the acoustic model is deterministic).
    let tts_mels: Vec<Mel> = if plan.resynth { Vec::new() } else { text_to_mels(plan)? };

    let total = plan.families.len() * plan.items.len();
    let bar = progress_bar(total as u64, plan.progress);
    let mut systems: Vec<(String, String, Vec<PathBuf>, f64, f64)> = Vec::new(); // (system, model, wavs, compute s, audio s)
    let mut utt: Vec<UtteranceScores> = Vec::new();
    if refs.iter().any(Option::is_some) {
        let wavs: Vec<PathBuf> = refs.iter().flatten().map(|r| r.wav.clone()).collect();
        let secs = refs.iter().flatten().map(|r| r.audio.duration()).sum();
        systems.push(("reference".into(), "recording".into(), wavs, f64::NAN, secs));
        for (item, r) in plan.items.iter().zip(&refs) {
            if let Some(r) = r {
                utt.push(UtteranceScores::new("reference", &item.id, &r.wav, item.text.clone()));
            }
        }
    }
    for &family in &plan.families {
        let voc = build_vocoder(plan.voice, family, plan.device)?;
        bar.set_message(family.key().to_string());
        let dir = wav_root.join(family.key());
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let (mut wavs, mut compute_s, mut audio_s) = (Vec::new(), 0.0, 0.0);
        for (k, (item, r)) in plan.items.iter().zip(&refs).enumerate() {
            let mel = match (plan.resynth, r) {
                (true, Some(r)) => r.mel.clone(),
                _ => tts_mels[k].clone(),
            };
            let t = Instant::now();
            let wav = voc.vocode(&mel.to_tensor(), &plan.options)?;
            let samples = Vec::<f32>::try_from(wav.to_device(Device::Cpu).to_kind(tch::Kind::Float).flatten(0, -1))?;
            compute_s += t.elapsed().as_secs_f64();
            let out = Audio::new(samples, mel_cfg.sampling_rate);
            audio_s += out.duration();
            let path = absolute(&dir.join(format!("{}.wav", item.id)))?;
            audio::write_wav(&path, &out, SampleFormat::Pcm16)?;
            let mut u = UtteranceScores::new(family.key(), &item.id, &path, item.text.clone());
            if let Some(r) = r {
                score_against_reference(&mut u, r, &out, &extractor, &plan.pitch, plan.resynth)?;
            }
            utt.push(u);
            wavs.push(path);
            bar.inc(1);
        }
        systems.push((family.key().into(), voc.model_name().to_string(), wavs, compute_s, audio_s));
    }
    bar.finish_and_clear();

    // The judges, each once over every WAV.
    let all_wavs: Vec<PathBuf> = utt.iter().map(|u| u.wav.clone()).collect();
    let scratch = plan.out_dir.join(".judges");
    let asr = if plan.judges.asr { judge("ASR", || judges::transcribe(&all_wavs, &scratch), plan.progress) } else { Err("not requested (--no-asr)".into()) };
    let mos = if plan.judges.mos { judge("MOS", || judges::predict_mos(&all_wavs, &scratch), plan.progress) } else { Err("not requested (--no-mos)".into()) };
    let _ = std::fs::remove_dir_all(&scratch);

    // WER targets: the text when known, else what the ASR heard in the reference recording.
    let mut wer_target = "text";
    if let Ok(asr) = &asr {
        let ref_transcripts: BTreeMap<String, String> =
            utt.iter().filter(|u| u.system == "reference").filter_map(|u| asr.get(&u.wav).map(|t| (u.id.clone(), t.clone()))).collect();
        for u in utt.iter_mut() {
            u.transcript = asr.get(&u.wav).cloned();
            let target = match &u.text {
                Some(t) => Some(t.clone()),
                None if u.system != "reference" => {
                    wer_target = "asr-of-reference";
                    ref_transcripts.get(&u.id).cloned()
                }
                None => None,
            };
            if let (Some(target), Some(hyp)) = (target, &u.transcript) {
                u.word_errors = Some(word_errors(&target, hyp));
            }
        }
        if wer_target == "asr-of-reference" {
            notes.push("Some utterances have no transcript: their WER is measured against the ASR transcript of the reference recording.".to_string());
        }
    }
    if let Ok(mos) = &mos {
        for u in utt.iter_mut() {
            u.mos = mos.get(&u.wav).copied();
        }
    }

    let pitch_reason = plan.pitch.as_ref().err().cloned();
    let scores = systems
        .iter()
        .map(|(system, model, _, compute_s, audio_s)| {
            let rows: Vec<&UtteranceScores> = utt.iter().filter(|u| &u.system == system).collect();
            aggregate(system, model, &rows, *compute_s / audio_s, &asr, &mos, pitch_reason.as_deref(), plan.resynth)
        })
        .collect();
    Ok(Report::new(plan, scores, utt, asr.ok().map(|a| a.model), mos.ok().map(|m| m.model), wer_target, notes))
}

fn load_reference(path: &Path, id: &str, plan: &EvalPlan, extractor: &MelExtractor, wav_root: &Path) -> Result<Reference> {
    let rate = plan.voice.config.mel.sampling_rate;
    let (a, _) = audio::read_wav(path)?;
    let a = if a.sample_rate != rate { audio::resample::resample(&a, rate)? } else { a };
    let mel = extractor.compute(&a.samples);
    if mel.frames == 0 {
        return Err(Error::audio(path, format!("shorter than one hop ({} samples); remove it from the reference set", extractor.config().hop_size)));
    }
    let f0 = match &plan.pitch {
        Ok(track) => Some(track(&a.samples, extractor.config())?),
        Err(_) => None,
    };
    // The judges hear the reference at the voice's rate, as the vocoders' output.
    let dir = wav_root.join("reference");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let wav = absolute(&dir.join(format!("{id}.wav")))?;
    audio::write_wav(&wav, &a, SampleFormat::Pcm16)?;
    Ok(Reference { audio: a, mel, f0, wav })
}

fn score_against_reference(
    u: &mut UtteranceScores,
    r: &Reference,
    out: &Audio,
    extractor: &MelExtractor,
    pitch: &std::result::Result<PitchFn, String>,
    same_axis: bool,
) -> Result<()> {
    let mel = extractor.compute(&out.samples);
    u.mel_l1 = mel_l1::mel_l1(&r.mel, &mel)?;
    let order = mcd::DEFAULT_ORDER;
    let (cr, ch) = (mcd::mel_cepstra(&r.mel, order), mcd::mel_cepstra(&mel, order));
    u.mcd_db = mcd::mcd_cepstra(&cr, &ch, order).map(|m| m.db);
    if let (Ok(track), Some(f0_ref)) = (pitch, &r.f0) {
        let f0_hyp = track(&out.samples, extractor.config())?;
        let (a, b) = if same_axis {
            (f0_ref.clone(), f0_hyp)
        } else {
            let dist = |i: usize, j: usize| (1..=order).map(|q| (cr[i][q] - ch[j][q]).powi(2)).sum::<f64>().sqrt();
            let path = dtw::dtw_path(cr.len(), ch.len(), dist).0;
            super::f0::pair_by_path(f0_ref, &f0_hyp, &path)
        };
        let mut acc = F0Accumulator::default();
        acc.add(&a, &b);
        u.f0 = Some(acc);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn aggregate(
    system: &str,
    model: &str,
    rows: &[&UtteranceScores],
    rtf: f64,
    asr: &std::result::Result<Judged<String>, String>,
    mos: &std::result::Result<Judged<f64>, String>,
    pitch_reason: Option<&str>,
    resynth: bool,
) -> SystemScores {
    let mut s = SystemScores::new(system, model, rows.len());
    s.rtf = rtf.is_finite().then_some(rtf);
    let mut unavailable = BTreeMap::new();
    match asr {
        Ok(_) => {
            let mut total = WordErrors::default();
            let mut any = false;
            for e in rows.iter().filter_map(|u| u.word_errors.as_ref()) {
                total.add(e);
                any = true;
            }
            if any {
                s.wer = Some(total.wer());
                s.word_errors = Some(total);
            } else {
                unavailable.insert("wer".into(), "no transcript to compare against".into());
            }
        }
        Err(why) => {
            unavailable.insert("wer".into(), why.clone());
        }
    }
    match mos {
        Ok(_) => {
            let v: Vec<f64> = rows.iter().filter_map(|u| u.mos).collect();
            if !v.is_empty() {
                s.mos = Some(v.iter().sum::<f64>() / v.len() as f64);
            }
        }
        Err(why) => {
            unavailable.insert("mos".into(), why.clone());
        }
    }
    if system == "reference" {
        for k in ["mel_l1", "mcd", "f0"] {
            unavailable.insert(k.into(), "the reference itself".into());
        }
    } else {
        let mean = |f: &dyn Fn(&UtteranceScores) -> Option<f64>| {
            let v: Vec<f64> = rows.iter().filter_map(|u| f(u)).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        s.mel_l1 = mean(&|u| u.mel_l1);
        s.mcd_db = mean(&|u| u.mcd_db);
        if s.mel_l1.is_none() {
            unavailable.insert("mel_l1".into(), if resynth { "empty audio".into() } else { "no reference audio (--reference DIR)".into() });
            unavailable.insert("mcd".into(), if resynth { "empty audio".into() } else { "no reference audio (--reference DIR)".into() });
        }
        let mut acc = F0Accumulator::default();
        let mut any = false;
        for f in rows.iter().filter_map(|u| u.f0.as_ref()) {
            acc.merge(f);
            any = true;
        }
        if any {
            let e = acc.errors();
            s.f0_rmse_hz = e.rmse_hz;
            s.f0_rmse_cents = e.rmse_cents;
            s.f0_gross_error = e.gross_error;
            s.vuv_error = Some(e.vuv_error);
            if e.rmse_hz.is_none() {
                unavailable.insert("f0_rmse".into(), "no frame voiced in both".into());
            }
        } else {
            unavailable.insert("f0".into(), pitch_reason.unwrap_or("no reference audio").to_string());
        }
    }
    s.unavailable = unavailable;
    s
}

/// Runs a judge, turning a failure into the reason its column is unavailable.
fn judge<T>(name: &str, f: impl FnOnce() -> Result<T>, progress: bool) -> std::result::Result<T, String> {
    if progress {
        eprintln!("ferry: running the {name} judge");
    }
    let t = Instant::now();
    let r = f().map_err(|e| e.to_string());
    match (&r, progress) {
        (Ok(_), true) => eprintln!("ferry: {name} judge done in {:.1} s", t.elapsed().as_secs_f64()),
        (Err(e), _) => eprintln!("ferry: warning: the {name} judge is unavailable: {e}"),
        _ => {}
    }
    r
}

/// The vocoder of a family for the voice (Griffin-Lim needs no weights).
fn build_vocoder(voice: &Voice, family: Family, device: Device) -> Result<Box<dyn Vocoder>> {
    vocoder::load(voice, family, device)
}

/// Text → log-mel of every item with the voice's frontend and acoustic model (the
/// sentences of one item joined in time).
fn text_to_mels(plan: &EvalPlan) -> Result<Vec<Mel>> {
    if plan.voice.config.acoustic.is_none() {
        return Err(Error::voice(
            plan.voice.name(),
            "has no acoustic model, so it cannot read text; evaluate its vocoders by copy synthesis with --resynth DIR",
        ));
    }
    let tts = crate::synth::TextToMel::load(plan.voice, plan.device)?;
    let prosody = crate::acoustic::Prosody::default();
    plan.items
        .iter()
        .map(|item| {
            let text = item.text.as_deref().ok_or_else(|| Error::arg(format!("utterance '{}' has no text to synthesise", item.id)))?;
            let mels = tts.mels(text, &prosody)?;
            let joined = tch::Tensor::cat(&mels.iter().map(|m| m.to_device(Device::Cpu)).collect::<Vec<_>>(), 2); // [1, n_mels, F]
            Mel::from_tensor(&joined)
        })
        .collect()
}

fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    std::env::current_dir().map(|d| d.join(p)).map_err(|e| Error::io(p, e))
}

fn progress_bar(total: u64, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} vocoding {msg:<12} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
