//! The one error type of Ferry. Every fallible public function returns [`Result`].
//!
//! Messages are written for the person at the terminal: they name the file or the
//! input that was wrong and, where there is one, the fix.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Audio that is not a readable WAV, or that holds no samples.
    #[error("{path}: {msg}")]
    Audio { path: PathBuf, msg: String },

    /// A voice pack that is missing, incomplete or inconsistent.
    #[error("voice '{voice}': {msg}")]
    Voice { voice: String, msg: String },

    /// A weights file that is missing, truncated, or does not match the model.
    #[error("{path}: {msg}")]
    Weights { path: PathBuf, msg: String },

    /// A configuration (JSON) that cannot be parsed or is out of range.
    #[error("config {what}: {msg}")]
    Config { what: String, msg: String },

    /// Text the frontend cannot turn into phonemes.
    #[error("text: {0}")]
    Text(String),

    /// An argument or option that is out of range.
    #[error("{0}")]
    InvalidArgument(String),

    /// A requested device (GPU, sound card) that is not there.
    #[error("{0}")]
    Device(String),

    /// Training diverged or could not continue.
    #[error("training: {0}")]
    Training(String),

    /// A helper program (Python script, external tool) failed.
    #[error("{0}")]
    External(String),

    /// An error raised inside libtorch.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),

    /// JSON (de)serialisation outside of a named config.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    pub fn audio(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Audio { path: path.into(), msg: msg.into() }
    }

    pub fn weights(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Weights { path: path.into(), msg: msg.into() }
    }

    pub fn voice(voice: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Voice { voice: voice.into(), msg: msg.into() }
    }

    pub fn config(what: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Config { what: what.into(), msg: msg.into() }
    }

    pub fn arg(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
}

/// The message of a panic's payload without the wrapping of tch's `unwrap` and without the
/// C++ stack libtorch appends (an escaped `\n` in the debug-printed error).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied()).unwrap_or("unknown error");
    let text = text.lines().next().unwrap_or(text);
    let text = text.split("\\n").next().unwrap_or(text);
    text.trim_start_matches("called `Result::unwrap()` on an `Err` value: ").trim_start_matches("Torch(\"").trim().to_string()
}
