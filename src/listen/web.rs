//! The listening page, embedded in the binary: one HTML file, one script, one style sheet.
//! The script runs MUSHRA, A/B and MOS trials with Web Audio (every stimulus of a trial is
//! decoded up front and played in lockstep, so switching keeps the position and is
//! click-free), keeps the listener id in `localStorage`, and resumes where the server says.

pub const INDEX_HTML: &str = include_str!("web/index.html");
pub const APP_JS: &str = include_str!("web/app.js");
pub const STYLE_CSS: &str = include_str!("web/style.css");
