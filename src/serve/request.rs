//! Reading what a client sent: the body (bounded, UTF-8, JSON) and the text to speak.
//!
//! Bodies are read as bytes and parsed here rather than by axum's `Json` extractor, so that
//! every problem gets OpenAI's error shape and a message that says what to fix. Unknown
//! JSON fields are ignored, as OpenAI clients send extras.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::config::Limits;
use super::error::ApiError;

/// The body's bytes; a body over the limit is a 413 naming the limit.
pub fn body_bytes(body: Result<Bytes, BytesRejection>, limits: &Limits) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::invalid(format!("the request body is over the limit of {} bytes (ferry serve --max-body-bytes)", limits.max_body_bytes))
                .with_status(StatusCode::PAYLOAD_TOO_LARGE)
                .code("body_too_large")
        } else {
            ApiError::invalid("the request body could not be read").with_status(rejection.status())
        }
    })
}

/// The body as UTF-8 text.
pub fn body_text(bytes: &Bytes) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes)
        .map_err(|e| ApiError::invalid(format!("the request body is not UTF-8 (invalid byte at offset {})", e.valid_up_to())).code("invalid_utf8"))
}

/// The body as JSON of type `T`, with serde's account of what is wrong (a missing field,
/// a wrong type, a syntax error and where).
pub fn json_body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let text = body_text(bytes)?;
    if text.trim().is_empty() {
        return Err(ApiError::invalid("the request body is empty; send a JSON object").code("invalid_json"));
    }
    serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "the request does not match the API",
            _ => "the request body is not valid JSON",
        };
        ApiError::invalid(format!("{what}: {e}")).code("invalid_json")
    })
}

/// Checks the text to speak: not empty, not over the limit.
pub fn check_input(text: &str, param: &'static str, limits: &Limits) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::invalid(format!("{param} is empty; send the text to speak")).param(param).code("empty_input"));
    }
    let chars = text.chars().count();
    if chars > limits.max_input_chars {
        return Err(ApiError::invalid(format!(
            "{param} is {chars} characters; the limit is {} (ferry serve --max-input-chars); split the text into several requests",
            limits.max_input_chars
        ))
        .param(param)
        .code("input_too_long"));
    }
    Ok(())
}

/// Checks that an optional number lies in `range`, naming the field and the range.
pub fn check_range(value: Option<f64>, param: &'static str, range: std::ops::RangeInclusive<f64>, meaning: &str) -> Result<(), ApiError> {
    match value {
        Some(v) if !(v.is_finite() && range.contains(&v)) => {
            Err(ApiError::invalid(format!("{param} {v} is out of range; use {} to {} ({meaning})", range.start(), range.end()))
                .param(param)
                .code("out_of_range"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        input: String,
    }

    #[test]
    fn json_errors_say_what_is_wrong() {
        let e = json_body::<T>(&Bytes::from_static(b"{\"input\": 5}")).unwrap_err();
        assert!(e.message.contains("invalid type"), "{}", e.message);
        let e = json_body::<T>(&Bytes::from_static(b"{\"input\": ")).unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
        let e = json_body::<T>(&Bytes::from_static(b"{\"input\": \"\xff\"}")).unwrap_err();
        assert_eq!(e.code, Some("invalid_utf8"));
        assert!(json_body::<T>(&Bytes::from_static(b"{\"input\": \"hi\", \"extra\": [1]}")).is_ok());
    }

    #[test]
    fn input_limits() {
        let l = Limits { max_input_chars: 5, ..Default::default() };
        assert!(check_input("héllo", "input", &l).is_ok());
        assert_eq!(check_input(" \n", "input", &l).unwrap_err().code, Some("empty_input"));
        assert_eq!(check_input("toolong", "input", &l).unwrap_err().code, Some("input_too_long"));
        assert!(check_range(Some(5.0), "speed", 0.25..=4.0, "x").is_err());
        assert!(check_range(Some(f64::NAN), "speed", 0.25..=4.0, "x").is_err());
        assert!(check_range(None, "speed", 0.25..=4.0, "x").is_ok());
    }
}
