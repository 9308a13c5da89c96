//! A deliberately small HTTP/1.1 server side: one request per connection (`Connection:
//! close`), bounded header and body sizes, read timeouts, and a 4xx answer — never a panic —
//! for anything malformed.

use std::io::{Read, Write};
use std::time::Duration;

/// Longest request head (request line + headers) accepted.
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;
/// How long a client may take to send its request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// Path without the query string.
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A response about to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub cache: bool,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response { status, content_type, body: body.into(), cache: false }
    }

    pub fn json(status: u16, v: &serde_json::Value) -> Self {
        Response::new(status, "application/json", v.to_string())
    }

    /// A JSON error body `{"error": msg}`.
    pub fn error(status: u16, msg: impl Into<String>) -> Self {
        Response::json(status, &serde_json::json!({ "error": msg.into() }))
    }

    pub fn write_to(&self, w: &mut impl Write) -> std::io::Result<()> {
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: {}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len(),
            if self.cache { "private, max-age=3600" } else { "no-store" },
        );
        w.write_all(head.as_bytes())?;
        w.write_all(&self.body)?;
        w.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}

/// Reads one request from `r`; a malformed, oversized or too slow request is the `Err`
/// response to send back.
pub fn read_request(r: &mut impl Read) -> Result<Request, Response> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Err(Response::error(431, "request head too large"));
        }
        match r.read(&mut chunk) {
            Ok(0) => return Err(Response::error(400, "incomplete request")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(Response::error(408, "request took too long"))
            }
            Err(_) => return Err(Response::error(400, "connection error")),
        }
    };
    if head_end > MAX_HEAD {
        return Err(Response::error(431, "request head too large"));
    }
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| Response::error(400, "request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or("");
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else { return Err(Response::error(400, "malformed request line")) };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Response::error(400, "malformed request line"));
    }
    if !target.starts_with('/') || target.len() > 2048 || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Response::error(400, "malformed request target"));
    }
    let mut headers = Vec::new();
    for l in lines {
        let Some((k, v)) = l.split_once(':') else { return Err(Response::error(400, "malformed header")) };
        if k.is_empty() || k.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(Response::error(400, "malformed header"));
        }
        headers.push((k.to_string(), v.trim().to_string()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request { method: method.to_string(), path: path.to_string(), query: query.to_string(), headers, body: Vec::new() };
    if req.header("transfer-encoding").is_some() {
        return Err(Response::error(501, "chunked request bodies are not supported; send Content-Length"));
    }
    let len = match req.header("content-length") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| Response::error(400, "bad Content-Length"))?,
    };
    if len > MAX_BODY {
        return Err(Response::error(413, format!("request body over {MAX_BODY} bytes")));
    }
    let mut body = buf[head_end + 4..].to_vec();
    if body.len() > len {
        return Err(Response::error(400, "more body than Content-Length says"));
    }
    while body.len() < len {
        match r.read(&mut chunk) {
            Ok(0) => return Err(Response::error(400, "request body shorter than Content-Length")),
            Ok(n) => body.extend_from_slice(&chunk[..n.min(len - body.len())]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(Response::error(408, "request took too long"))
            }
            Err(_) => return Err(Response::error(400, "connection error")),
        }
    }
    req.body = body;
    Ok(req)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<Request, u16> {
        read_request(&mut std::io::Cursor::new(raw.to_vec())).map_err(|r| r.status)
    }

    #[test]
    fn parses_and_rejects() {
        let r = parse(b"POST /api/rate?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_str(), r.body.as_slice()), ("POST", "/api/rate", "x=1", &b"{}"[..]));
        assert_eq!(parse(b"GET / HTTP/1.1\r\n\r\n").unwrap().path, "/");
        assert_eq!(parse(b"garbage\r\n\r\n"), Err(400));
        assert_eq!(parse(b"GET  / HTTP/1.1\r\n\r\n"), Err(400));
        assert_eq!(parse(b"GET http://x/ HTTP/1.1\r\n\r\n"), Err(400));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nbad header\r\n\r\n"), Err(400));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), Err(400));
        assert_eq!(parse(b"POST / HTTP/1.1\r\nContent-Length: 999999\r\n\r\n"), Err(413));
        assert_eq!(parse(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), Err(400));
        assert_eq!(parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), Err(501));
        assert_eq!(parse(b"GET / HTTP/1.1\r\n"), Err(400));
        let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
        huge.extend(vec![b'a'; MAX_HEAD + 10]);
        assert_eq!(parse(&huge), Err(431));
        assert_eq!(parse(&[0xff, 0xfe, b'\r', b'\n', b'\r', b'\n']), Err(400));
    }
}
