//! Shared neural-network pieces: weight files and layers used by several models.

pub mod safetensors;
pub mod dilated_stream;
