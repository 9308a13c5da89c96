//! Wyoming's framing: how one event travels over a byte stream.
//!
//! An event is a JSON header line ending in `\n`,
//! `{"type": T, "data": {...}?, "data_length": N?, "payload_length": M?, "version": V}`,
//! then `N` bytes of JSON whose object is merged into the header's `data`, then `M` bytes of
//! binary payload (PCM for audio events). Writers put `data` in the `N` bytes and give the
//! header no `data` (as the `wyoming` package does); readers accept either.
//!
//! Everything a client sends is bounded: the header line, `data_length` and
//! `payload_length` may each be at most the reader's limit (`--max-body-bytes`). A header
//! line that is not JSON, or data that is not a JSON object, costs the client an error but
//! not its connection (the stream is still in step); a length over the limit, or a header
//! line that never ends, leaves nothing to resynchronise on, so the connection is closed.

use std::io;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::serve::error::ApiError;

/// The protocol version written in every header: the `wyoming` package release whose
/// events these are (tests/serve_wyoming.rs runs that release's client).
pub const VERSION: &str = "1.10.2";

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 8 * 1024;

/// One event as it travels: its type, its data object and its binary payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub kind: String,
    pub data: Map<String, Value>,
    pub payload: Vec<u8>,
}

impl Frame {
    /// An event with `data` (any serialisable struct or `json!` object) and no payload.
    pub fn new(kind: &str, data: impl Serialize) -> Frame {
        let data = match serde_json::to_value(data) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(), // `()` and `null` mean no data
        };
        Frame { kind: kind.to_string(), data, payload: Vec::new() }
    }

    pub fn with_payload(mut self, payload: Vec<u8>) -> Frame {
        self.payload = payload;
        self
    }

    /// The bytes on the wire: header line, data, payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let data = if self.data.is_empty() { Vec::new() } else { Value::Object(self.data.clone()).to_string().into_bytes() };
        let header = WireHeader {
            kind: &self.kind,
            version: VERSION,
            data_length: (!data.is_empty()).then_some(data.len()),
            payload_length: (!self.payload.is_empty()).then_some(self.payload.len()),
        };
        // A struct of strings and integers always serialises.
        let mut out = serde_json::to_vec(&header).unwrap_or_default();
        out.push(b'\n');
        out.extend_from_slice(&data);
        out.extend_from_slice(&self.payload);
        out
    }
}

#[derive(Serialize)]
struct WireHeader<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_length: Option<usize>,
}

/// A header line as a client may send it (unknown keys, `version` included, are ignored).
#[derive(Deserialize)]
struct Header {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<Map<String, Value>>,
    #[serde(default)]
    data_length: Option<u64>,
    #[serde(default)]
    payload_length: Option<u64>,
}

/// Why no event came.
#[derive(Debug)]
pub enum ReadError {
    /// This event was unreadable, but it has been consumed and the next one can be read.
    Skip(ApiError),
    /// The stream cannot be followed any further: tell the client, then close.
    Close(ApiError),
    /// The connection failed, or ended in the middle of an event.
    Gone(io::Error),
}

/// Reads events from a byte stream, at most `limit` bytes per header, data and payload.
pub struct FrameReader<R> {
    inner: R,
    /// Bytes received and not yet consumed.
    buf: Vec<u8>,
    /// How much of `buf` is known to hold no `\n`.
    scanned: usize,
    limit: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(inner: R, limit: usize) -> Self {
        FrameReader { inner, buf: Vec::new(), scanned: 0, limit }
    }

    /// The next event; `Ok(None)` when the client closed the stream between events. Blank
    /// lines between events are skipped.
    pub async fn read_frame(&mut self) -> Result<Option<Frame>, ReadError> {
        let line = loop {
            match self.read_line().await? {
                None => return Ok(None),
                Some(line) if line.iter().all(u8::is_ascii_whitespace) => continue,
                Some(line) => break line,
            }
        };
        let header: Header = serde_json::from_slice(&line).map_err(|e| {
            ReadError::Skip(
                ApiError::invalid(format!("the event header is not a Wyoming header ({e}); send one JSON object per line, like {{\"type\": \"describe\"}}"))
                    .code("malformed_header"),
            )
        })?;
        let data_length = self.bounded(header.data_length, "data_length", "data_too_large")?;
        let payload_length = self.bounded(header.payload_length, "payload_length", "payload_too_large")?;
        let data_bytes = self.read_exact(data_length).await?;
        let payload = self.read_exact(payload_length).await?;
        let mut data = header.data.unwrap_or_default();
        if !data_bytes.is_empty() {
            match serde_json::from_slice::<Value>(&data_bytes) {
                Ok(Value::Object(extra)) => data.extend(extra),
                Ok(_) => return Err(ReadError::Skip(malformed_data(&header.kind, "it is not a JSON object"))),
                Err(e) => return Err(ReadError::Skip(malformed_data(&header.kind, &e.to_string()))),
            }
        }
        Ok(Some(Frame { kind: header.kind, data, payload }))
    }

    /// A length from the header, refused (and the connection closed) above the limit.
    fn bounded(&self, length: Option<u64>, key: &str, code: &'static str) -> Result<usize, ReadError> {
        let n = length.unwrap_or(0);
        if n > self.limit as u64 {
            return Err(ReadError::Close(
                ApiError::invalid(format!("{key} {n} is over the limit of {} bytes (ferry serve --max-body-bytes)", self.limit)).code(code),
            ));
        }
        Ok(n as usize)
    }

    /// The next line without its `\n`; `None` at a clean end of stream.
    async fn read_line(&mut self) -> Result<Option<Vec<u8>>, ReadError> {
        loop {
            if let Some(i) = self.buf[self.scanned..].iter().position(|&b| b == b'\n') {
                let end = self.scanned + i;
                let line = self.buf[..end].to_vec();
                self.buf.drain(..=end);
                self.scanned = 0;
                return Ok(Some(line));
            }
            self.scanned = self.buf.len();
            if self.buf.len() > self.limit {
                return Err(ReadError::Close(
                    ApiError::invalid(format!("the event header is over {} bytes without a newline; end each header line with \\n", self.limit))
                        .code("header_too_long"),
                ));
            }
            if self.fill().await? == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(ReadError::Gone(io::Error::new(io::ErrorKind::UnexpectedEof, "the stream ended inside an event header")));
            }
        }
    }

    /// Exactly `n` bytes (already bounded by the limit).
    async fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buf.len() < n {
            if self.fill().await? == 0 {
                return Err(ReadError::Gone(io::Error::new(io::ErrorKind::UnexpectedEof, "the stream ended inside an event")));
            }
        }
        self.scanned = 0;
        Ok(self.buf.drain(..n).collect())
    }

    /// Reads what the stream has (up to [`READ_CHUNK`] bytes) onto `buf`; 0 at its end.
    async fn fill(&mut self) -> Result<usize, ReadError> {
        let mut chunk = [0u8; READ_CHUNK];
        let n = self.inner.read(&mut chunk).await.map_err(ReadError::Gone)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }
}

fn malformed_data(kind: &str, why: &str) -> ApiError {
    ApiError::invalid(format!("the data of the '{kind}' event is not usable: {why}")).code("malformed_data")
}

/// Writes one event and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &Frame) -> io::Result<()> {
    w.write_all(&frame.to_bytes()).await?;
    w.flush().await
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use serde_json::json;
    use tokio::io::ReadBuf;

    use super::*;

    /// A stream that hands out one byte per read, to exercise reassembly.
    struct Trickle(Vec<u8>, usize);

    impl AsyncRead for Trickle {
        fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
            if let Some(&b) = self.0.get(self.1) {
                buf.put_slice(&[b]);
                self.1 += 1;
            }
            Poll::Ready(Ok(()))
        }
    }

    async fn read_all(bytes: &[u8], limit: usize) -> Vec<Result<Option<Frame>, ReadError>> {
        let mut r = FrameReader::new(bytes, limit);
        let mut out = Vec::new();
        loop {
            let next = r.read_frame().await;
            let stop = !matches!(next, Ok(Some(_)) | Err(ReadError::Skip(_)));
            out.push(next);
            if stop {
                return out;
            }
        }
    }

    fn code(r: &Result<Option<Frame>, ReadError>) -> &'static str {
        match r {
            Err(ReadError::Skip(e)) | Err(ReadError::Close(e)) => e.code.unwrap_or(""),
            Err(ReadError::Gone(_)) => "gone",
            Ok(Some(_)) => "frame",
            Ok(None) => "end",
        }
    }

    #[tokio::test]
    async fn round_trips_data_and_payload() {
        let pcm: Vec<u8> = (0..=255u8).collect();
        let sent = vec![
            Frame::new("describe", ()),
            Frame::new("audio-chunk", json!({"rate": 22050, "width": 2, "channels": 1})).with_payload(pcm),
            Frame::new("synthesize", json!({"text": "Grüße, 世界 \"quoted\"\nnew line"})),
        ];
        let mut wire = Vec::new();
        for f in &sent {
            write_frame(&mut wire, f).await.unwrap();
        }
        // Byte by byte, as a slow network would deliver it.
        let mut r = FrameReader::new(Trickle(wire, 0), 1024);
        for want in &sent {
            assert_eq!(r.read_frame().await.unwrap().as_ref(), Some(want));
        }
        assert!(r.read_frame().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn writes_the_package_header_keys() {
        let bytes = Frame::new("audio-stop", json!({"timestamp": null})).with_payload(vec![1, 2]).to_bytes();
        let line = bytes.split(|&b| b == b'\n').next().unwrap();
        let header: Value = serde_json::from_slice(line).unwrap();
        assert_eq!(header, json!({"type": "audio-stop", "version": VERSION, "data_length": 18, "payload_length": 2}));
        assert_eq!(&bytes[line.len() + 1..], b"{\"timestamp\":null}\x01\x02".as_slice());
        let bare = Frame::new("synthesize-stopped", ()).to_bytes();
        assert_eq!(serde_json::from_slice::<Value>(&bare[..bare.len() - 1]).unwrap(), json!({"type": "synthesize-stopped", "version": VERSION}));
    }

    #[tokio::test]
    async fn merges_header_data_with_the_data_section() {
        let wire = b"{\"type\": \"synthesize\", \"data\": {\"text\": \"a\", \"voice\": {\"name\": \"t\"}}, \"data_length\": 13}\n{\"text\": \"b\"}";
        let f = FrameReader::new(&wire[..], 1024).read_frame().await.unwrap().unwrap();
        assert_eq!(f.data["text"], "b");
        assert_eq!(f.data["voice"]["name"], "t");
    }

    #[tokio::test]
    async fn bad_lines_are_skipped_and_the_stream_goes_on() {
        let wire = b"not json\n\n{\"data\": {}}\n{\"type\": \"x\", \"data_length\": 2}\n[]{\"type\": 5}\n\xff\xfe\n{\"type\": \"describe\"}\n";
        let got = read_all(wire, 1024).await;
        let codes: Vec<_> = got.iter().map(code).collect();
        assert_eq!(codes, ["malformed_header", "malformed_header", "malformed_data", "malformed_header", "malformed_header", "frame", "end"]);
        assert!(matches!(&got[5], Ok(Some(f)) if f.kind == "describe"));
    }

    #[tokio::test]
    async fn oversized_lengths_and_endless_lines_close() {
        let limit = 64;
        assert_eq!(code(&read_all(b"{\"type\": \"x\", \"data_length\": 65}\n", limit).await[0]), "data_too_large");
        assert_eq!(code(&read_all(b"{\"type\": \"x\", \"payload_length\": 1000000000000}\n", limit).await[0]), "payload_too_large");
        assert_eq!(code(&read_all(&[b'a'; 200], limit).await[0]), "header_too_long");
        // Negative or fractional lengths are not lengths.
        assert_eq!(code(&read_all(b"{\"type\": \"x\", \"payload_length\": -1}\n", limit).await[0]), "malformed_header");
        // At the limit is fine.
        let mut wire = b"{\"type\": \"x\", \"payload_length\": 64}\n".to_vec();
        wire.extend([7u8; 64]);
        assert!(matches!(&read_all(&wire, limit).await[0], Ok(Some(f)) if f.payload.len() == 64));
    }

    #[tokio::test]
    async fn a_stream_cut_inside_an_event_is_gone() {
        assert_eq!(code(&read_all(b"{\"type\": \"x\"", 1024).await[0]), "gone");
        assert_eq!(code(&read_all(b"{\"type\": \"x\", \"payload_length\": 10}\nabc", 1024).await[0]), "gone");
        assert_eq!(code(&read_all(b"", 1024).await[0]), "end");
    }
}
