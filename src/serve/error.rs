//! Errors as HTTP answers, in OpenAI's shape:
//! `{"error": {"message", "type", "param", "code"}}` with a 4xx status for anything a client
//! sent, and a 5xx only for the server's own failures (whose details go to the log, not to
//! the client).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

/// One error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// OpenAI's `type`: `invalid_request_error`, `authentication_error`, ...
    pub kind: &'static str,
    /// The request field at fault, when there is one.
    pub param: Option<&'static str>,
    /// A stable machine-readable code (`input_too_long`, `voice_not_found`, ...).
    pub code: Option<&'static str>,
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    pub retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), kind, param: None, code: None, retry_after: None }
    }

    /// 400: the request is malformed or out of range.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
    }

    /// 404: the request names something (a voice) that is not here.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "invalid_request_error", message)
    }

    /// 401: no or a wrong API key.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "authentication_error", "missing or wrong API key; send the server's key as 'Authorization: Bearer KEY'")
            .code("invalid_api_key")
    }

    /// 429: every worker is busy and the queue is full.
    pub fn busy(queue: usize) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            format!("the server is busy (all workers busy, {queue} requests waiting); retry after a second"),
        )
        .code("queue_full");
        e.retry_after = Some(1);
        e
    }

    /// 500: the server failed; `detail` goes to the log only.
    pub fn internal(detail: &str) -> Self {
        eprintln!("ferry serve: error: {detail}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "synthesis failed on the server; its log has the details")
    }

    /// 503: the server is shutting down or its workers are gone.
    pub fn unavailable(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "server_error", message);
        e.retry_after = Some(1);
        e
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn param(mut self, param: &'static str) -> Self {
        self.param = Some(param);
        self
    }

    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}})
    }
}

impl From<Error> for ApiError {
    /// Errors of the library met while serving a request: text the frontend cannot read and
    /// out-of-range options are the client's (400); anything else is the server's (500).
    fn from(e: Error) -> Self {
        match e {
            Error::Text(msg) => ApiError::invalid(msg).param("input"),
            Error::InvalidArgument(msg) => ApiError::invalid(msg),
            other => ApiError::internal(&other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body())).into_response();
        if let Some(s) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_openai_shape() {
        let b = ApiError::invalid("bad").param("input").code("x").body();
        assert_eq!(b["error"]["message"], "bad");
        assert_eq!(b["error"]["type"], "invalid_request_error");
        assert_eq!(b["error"]["param"], "input");
        assert_eq!(b["error"]["code"], "x");
        assert!(ApiError::invalid("y").body()["error"]["param"].is_null());
    }

    #[test]
    fn library_errors_map_to_client_or_server() {
        assert_eq!(ApiError::from(Error::Text("no words".into())).status, StatusCode::BAD_REQUEST);
        assert_eq!(ApiError::from(Error::arg("range")).status, StatusCode::BAD_REQUEST);
        let e = ApiError::from(Error::weights("/secret/path.safetensors", "truncated"));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message.contains("/secret"), "{}", e.message);
    }

    #[test]
    fn busy_sets_retry_after() {
        let r = ApiError::busy(1).into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }
}
