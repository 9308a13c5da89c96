//! Audio core: WAV I/O, resampling, the STFT and the voice's log-mel (twice: rustfft and
//! libtorch), images and arrays for people and tools to look at.

pub mod image;
pub mod mel;
pub mod mel_tch;
pub mod npy;
pub mod pitch;
#[cfg(feature = "playback")]
pub mod playback;
pub mod resample;
pub mod stft;
pub mod stft_tch;
pub mod stream_resample;
pub mod wav;

pub use mel::{Mel, MelConfig, MelExtractor};
pub use wav::{read_wav, write_wav, Audio, SampleFormat};
