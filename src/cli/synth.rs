//! `ferry synth`: text (or SSML) → WAV through a voice's acoustic model and a vocoder.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::{GlobalArgs, ProsodyArgs, VocoderArgs};
use crate::audio::SampleFormat;
use crate::error::{Error, Result};

pub const AFTER_HELP: &str = "\
Examples:
  ferry synth \"Hello there.\" -o hello.wav
  ferry synth -f chapter.txt -o chapter.wav --vocoder gan --rate 1.1
  ferry synth \"Lower and slower.\" -o low.wav --pitch -3 --rate 0.8
  ferry synth '<speak>Normal, <prosody rate=\"150%\" pitch=\"+20%\">then fast and high</prosody>.<break time=\"1s\"/>Done.</speak>' -o ssml.wav
  echo \"From a pipe.\" | ferry synth -f - -o pipe.wav
  ferry synth \"One, two, three.\" -o count.wav --alignments count.json   word and phoneme times

SSML <prosody rate pitch volume> and <break> apply to the words they cover, on top of
--rate, --pitch and --energy.";

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Text to speak (plain text or SSML starting with <speak>). Or use -f.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub text: Option<String>,
    /// Read the text from a file ("-" = standard input).
    #[arg(short, long)]
    pub file: Option<PathBuf>,
    /// Output WAV (`-` = write the WAV to stdout, e.g. `-o - | aplay`).
    #[arg(short, long, required_unless_present = "output_raw")]
    pub output: Option<PathBuf>,
    /// Stream raw 16-bit little-endian mono PCM at the voice's rate to stdout as it is
    /// synthesised (for aplay -f S16_LE -r 22050, ffmpeg -f s16le, sox -t raw).
    #[arg(long, conflicts_with = "output")]
    pub output_raw: bool,
    /// Voice (name or directory). Default: joe.
    #[arg(long)]
    pub voice: Option<String>,
    #[command(flatten)]
    pub vocoder: VocoderArgs,
    #[command(flatten)]
    pub prosody: ProsodyArgs,
    /// Write 32-bit float samples instead of 16-bit PCM.
    #[arg(long)]
    pub float: bool,
    /// Also write where each word and phoneme is in the audio, as JSON: {sample_rate,
    /// duration, words: [{word, start, end}], phonemes: [{phoneme, start, end}]} in seconds,
    /// from the acoustic model's durations (exact, not a forced alignment).
    #[arg(long, value_name = "FILE.json", conflicts_with = "output_raw")]
    pub alignments: Option<PathBuf>,
}

fn read_text(a: &SynthArgs) -> Result<String> {
    match (&a.text, &a.file) {
        (Some(t), _) => Ok(t.clone()),
        (None, Some(p)) if p.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| Error::io("<stdin>", e))?;
            Ok(s)
        }
        (None, Some(p)) => {
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            String::from_utf8(bytes).map_err(|_| Error::Text(format!("{}: not UTF-8 text; convert it with iconv -t UTF-8", p.display())))
        }
        (None, None) => Err(Error::arg("give the text to speak, or -f FILE")),
    }
}

pub fn run(g: &GlobalArgs, a: SynthArgs) -> Result<()> {
    let text = read_text(&a)?;
    if text.trim().is_empty() {
        return Err(Error::Text("nothing to say: the text is empty".into()));
    }
    let tts = super::load_synthesizer(g, a.voice.as_deref(), &a.vocoder)?;
    let opts = a.prosody.options(a.vocoder.options(g.seed));
    let started = std::time::Instant::now();
    let Some(output) = &a.output else {
        // --output-raw: stream sentence by sentence, chunk by chunk.
        let mut sink = crate::speak::RawPcmSink { rate: tts.sample_rate(), out: std::io::stdout().lock() };
        let rep = tts.stream(&text, &opts, &mut sink, super::stop_flag())?;
        if g.verbose {
            eprintln!("ferry: streamed {} samples of raw PCM at {} Hz ({} sentences)", rep.samples, tts.sample_rate(), rep.utterances);
        }
        return Ok(());
    };
    let (out, timestamps) = tts.synth_timed(&text, &opts)?;
    let format = if a.float { SampleFormat::Float32 } else { SampleFormat::Pcm16 };
    super::write_audio(output, &out, format)?;
    if let Some(path) = &a.alignments {
        let file = crate::timestamps::AlignmentFile {
            sample_rate: out.sample_rate,
            duration: out.duration(),
            words: &timestamps.words,
            phonemes: &timestamps.phonemes,
        };
        std::fs::write(path, serde_json::to_string_pretty(&file)? + "\n").map_err(|e| Error::io(path, e))?;
    }
    if g.verbose {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "ferry: wrote {} ({:.2} s of audio in {secs:.2} s, {} via {})",
            output.display(),
            out.duration(),
            tts.vocoder.model_name(),
            tts.vocoder.family()
        );
    }
    Ok(())
}
