//! `ferry say`: speak text live through the sound card, sentence by sentence, while the
//! next sentence is being synthesised.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;

use super::{GlobalArgs, ProsodyArgs, VocoderArgs};
use crate::error::{Error, Result};
use crate::speak::SpeakReport;

pub const AFTER_HELP: &str = "\
Examples:
  ferry say \"Hello there.\"
  ferry say -f book.txt --vocoder gan --rate 1.1
  tail -f log.txt | ferry say                 each line is spoken as it arrives
  ferry say \"Quietly.\" --output-device default --verbose

Synthesis of the next sentence overlaps playback of this one; long sentences are vocoded
in overlapping chunks so the first sound comes early. Ctrl-C stops at once. Without a sound
card, write a file instead: ferry synth \"text\" -o out.wav (or -o - | aplay).";

#[derive(Debug, Args)]
pub struct SayArgs {
    /// Text to speak (plain text or SSML). Without it (and without -f), lines are read from stdin.
    #[arg(conflicts_with = "file")]
    pub text: Option<String>,
    /// Read the text from a file ("-" = standard input, line by line).
    #[arg(short, long)]
    pub file: Option<PathBuf>,
    /// Voice (name or directory). Default: joe.
    #[arg(long)]
    pub voice: Option<String>,
    #[command(flatten)]
    pub vocoder: VocoderArgs,
    #[command(flatten)]
    pub prosody: ProsodyArgs,
    /// Sound output device (see `ferry devices`).
    #[arg(long)]
    pub output_device: Option<String>,
}

/// Where the text comes from: all at once, or line by line as it arrives.
enum Source {
    Whole(String),
    Lines(Box<dyn BufRead>),
}

fn source(a: &SayArgs) -> Result<Source> {
    match (&a.text, &a.file) {
        (Some(t), _) => Ok(Source::Whole(t.clone())),
        (None, Some(p)) if p.as_os_str() != "-" => {
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Text(format!("{}: not UTF-8 text; convert it with iconv -t UTF-8", p.display())))?;
            Ok(Source::Whole(text))
        }
        _ => Ok(Source::Lines(Box::new(std::io::BufReader::new(std::io::stdin())))),
    }
}

pub fn run(g: &GlobalArgs, a: SayArgs) -> Result<()> {
    let src = source(&a)?;
    if matches!(&src, Source::Whole(text) if text.trim().is_empty()) {
        return Err(Error::Text("nothing to say: the text is empty".into()));
    }
    let tts = super::load_synthesizer(g, a.voice.as_deref(), &a.vocoder)?;
    let opts = a.prosody.options(a.vocoder.options(g.seed));
    opts.prosody().validate()?;
    super::play(g, a.output_device.as_deref(), |sink, stop| match src {
        // Sentences are synthesised lazily: sentence n+1 only once sentence n is playing.
        Source::Whole(text) => tts.stream(&text, &opts, sink, stop),
        // Each line is spoken as it arrives, into the same sound card.
        Source::Lines(reader) => {
            let mut total = SpeakReport::default();
            for line in reader.lines().map_while(|l| l.ok()).filter(|l| !l.trim().is_empty()) {
                let rep = tts.stream(&line, &opts, sink, stop)?;
                total.first_audio = total.first_audio.or(rep.first_audio);
                total.utterances += rep.utterances;
                total.samples += rep.samples;
                total.stopped = rep.stopped;
                if rep.stopped {
                    break;
                }
            }
            Ok(total)
        }
    })
}
