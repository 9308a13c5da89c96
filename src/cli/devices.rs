//! `ferry devices`: sound output devices and their default formats.

use clap::Args;

use super::GlobalArgs;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[cfg(feature = "playback")]
pub fn run(_g: &GlobalArgs, a: DevicesArgs) -> Result<()> {
    let devices = crate::audio::playback::list_output_devices()?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&devices)?);
        return Ok(());
    }
    if devices.is_empty() {
        println!("No sound output devices found. Write files instead: ferry synth \"text\" -o out.wav");
    }
    for d in devices {
        println!("{}{}  ({} Hz, {} ch, {})", d.name, if d.is_default { " (default)" } else { "" }, d.sample_rate, d.channels, d.sample_format);
    }
    Ok(())
}

#[cfg(not(feature = "playback"))]
pub fn run(_g: &GlobalArgs, _a: DevicesArgs) -> Result<()> {
    Err(crate::Error::Device("this ferry was built without the `playback` feature; write files with -o out.wav".into()))
}
