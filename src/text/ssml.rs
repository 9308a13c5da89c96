//! The SSML subset Ferry reads (W3C Speech Synthesis Markup Language 1.1): `<speak>`,
//! `<p>`, `<s>`, `<break time|strength>`, `<prosody rate pitch volume>`,
//! `<say-as interpret-as="characters|spell-out|cardinal|ordinal|digits|date|time|telephone">`,
//! `<phoneme alphabet="arpabet" ph="...">`, `<sub alias>`. Other elements (`<emphasis>`,
//! `<voice>`, `<mark>`, ...) are transparent: their text is spoken. Malformed markup is an
//! error that names its line and column.

use crate::error::{Error, Result};

/// Prosody multipliers (1.0 = unchanged) that travel with each token.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Prosody {
    pub rate: f32,
    pub pitch: f32,
    pub volume: f32,
}

impl Default for Prosody {
    fn default() -> Self {
        Self { rate: 1.0, pitch: 1.0, volume: 1.0 }
    }
}

/// One piece of a parsed SSML document.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text {
        text: String,
        prosody: Prosody,
    },
    Break {
        ms: u32,
    },
    SayAs {
        interpret_as: String,
        format: Option<String>,
        text: String,
        prosody: Prosody,
    },
    Phoneme {
        ph: String,
        text: String,
        prosody: Prosody,
    },
    /// End of `<s>` (sentence) or `<p>` (paragraph).
    Boundary {
        paragraph: bool,
    },
}

/// True when the text looks like SSML (starts with `<speak`, after an optional XML header).
pub fn looks_like_ssml(text: &str) -> bool {
    let t = text.trim_start();
    let t = if t.starts_with("<?xml") { t.find("?>").map_or(t, |k| t[k + 2..].trim_start()) } else { t };
    t.starts_with("<speak")
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

fn position(src: &str, pos: usize) -> String {
    let before = &src[..pos.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |k| before[k + 1..].chars().count()) + 1;
    format!("line {line}, column {col}")
}

fn err(src: &str, pos: usize, msg: impl std::fmt::Display) -> Error {
    Error::Text(format!("SSML at {}: {msg}", position(src, pos)))
}

#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    closing: bool,
    self_closing: bool,
    at: usize,
}

impl Tag {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
}

impl<'a> Parser<'a> {
    fn tag(&mut self) -> Result<Tag> {
        let at = self.pos;
        let s = self.src;
        self.pos += 1; // '<'
        let closing = s[self.pos..].starts_with('/');
        if closing {
            self.pos += 1;
        }
        let name_len = s[self.pos..].find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(s.len() - self.pos);
        let name = s[self.pos..self.pos + name_len].to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')) {
            return Err(err(s, at, format!("bad tag name '{name}'")));
        }
        self.pos += name_len;
        let mut attrs = Vec::new();
        loop {
            let rest = &s[self.pos..];
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.is_empty() {
                return Err(err(s, at, format!("tag <{name}> is never closed with '>'")));
            }
            if let Some(r) = trimmed.strip_prefix("/>") {
                let _ = r;
                self.pos += 2;
                return Ok(Tag { name, attrs, closing, self_closing: true, at });
            }
            if trimmed.starts_with('>') {
                self.pos += 1;
                return Ok(Tag { name, attrs, closing, self_closing: false, at });
            }
            if closing {
                return Err(err(s, self.pos, format!("closing tag </{name}> cannot have attributes")));
            }
            let k_len = trimmed.find(|c: char| c == '=' || c.is_whitespace() || c == '>' || c == '/').unwrap_or(trimmed.len());
            let key = trimmed[..k_len].to_string();
            if key.is_empty() {
                return Err(err(s, self.pos, format!("unexpected character in tag <{name}>")));
            }
            self.pos += k_len;
            let rest = s[self.pos..].trim_start();
            self.pos = s.len() - rest.len();
            let Some(rest) = rest.strip_prefix('=') else {
                return Err(err(s, self.pos, format!("attribute '{key}' of <{name}> needs a value (key=\"value\")")));
            };
            self.pos += 1;
            let rest2 = rest.trim_start();
            self.pos += rest.len() - rest2.len();
            let quote = rest2.chars().next().filter(|c| *c == '"' || *c == '\'');
            let Some(q) = quote else {
                return Err(err(s, self.pos, format!("value of attribute '{key}' must be in quotes")));
            };
            let Some(end) = rest2[1..].find(q) else {
                return Err(err(s, self.pos, format!("value of attribute '{key}' is never closed")));
            };
            let val = unescape(&rest2[1..1 + end]).map_err(|m| err(s, self.pos, m))?;
            self.pos += end + 2;
            attrs.push((key, val));
        }
    }
}

fn unescape(s: &str) -> std::result::Result<String, String> {
    if !s.contains('&') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find('&') {
        out.push_str(&rest[..k]);
        let Some(e) = rest[k..].find(';').filter(|&e| e <= 12) else {
            return Err("'&' must start an entity such as &amp;".into());
        };
        let ent = &rest[k + 1..k + e];
        let ch = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(h) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = ent.strip_prefix('#') {
                    d.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32).ok_or_else(|| format!("unknown entity '&{ent};'"))?
            }
        };
        out.push(ch);
        rest = &rest[k + e + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses "500ms", "1.5s", "2s" into milliseconds.
fn parse_time(v: &str) -> Option<u32> {
    let v = v.trim();
    let (n, scale) = if let Some(n) = v.strip_suffix("ms") { (n, 1.0) } else { (v.strip_suffix('s')?, 1000.0) };
    let x: f64 = n.trim().parse().ok()?;
    (x.is_finite() && x >= 0.0 && x * scale <= 60_000.0).then(|| (x * scale).round() as u32)
}

/// A relative or named prosody value → multiplier.
fn parse_level(v: &str, names: &[(&str, f32)], db: bool, st: bool) -> Option<f32> {
    let v = v.trim();
    if let Some((_, m)) = names.iter().find(|(n, _)| *n == v) {
        return Some(*m);
    }
    if let Some(p) = v.strip_suffix('%') {
        let x: f32 = p.parse().ok()?;
        let m = if p.starts_with(['+', '-']) { 1.0 + x / 100.0 } else { x / 100.0 };
        return (m.is_finite() && m >= 0.0).then_some(m);
    }
    if db {
        if let Some(d) = v.strip_suffix("dB") {
            let x: f32 = d.parse().ok()?;
            return Some(10f32.powf(x / 20.0)).filter(|m| m.is_finite());
        }
    }
    if st {
        if let Some(d) = v.strip_suffix("st") {
            let x: f32 = d.parse().ok()?;
            return Some(2f32.powf(x / 12.0)).filter(|m| m.is_finite());
        }
    }
    let x: f32 = v.parse().ok()?;
    (x.is_finite() && x >= 0.0 && !v.starts_with(['+', '-'])).then_some(x)
}

const RATES: [(&str, f32); 6] = [("x-slow", 0.5), ("slow", 0.75), ("medium", 1.0), ("default", 1.0), ("fast", 1.25), ("x-fast", 1.5)];
const PITCHES: [(&str, f32); 6] = [("x-low", 0.75), ("low", 0.88), ("medium", 1.0), ("default", 1.0), ("high", 1.12), ("x-high", 1.25)];
const VOLUMES: [(&str, f32); 7] = [("silent", 0.0), ("x-soft", 0.35), ("soft", 0.6), ("medium", 1.0), ("default", 1.0), ("loud", 1.4), ("x-loud", 1.8)];

/// Parses an SSML document into items.
pub fn parse(src: &str) -> Result<Vec<Item>> {
    let mut p = Parser { src, pos: 0 };
    let mut items = Vec::new();
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut prosody = vec![Prosody::default()];
    // (interpret-as/phoneme/sub element, collected text)
    let mut capture: Option<(Tag, String)> = None;
    let mut seen_speak = false;
    let mut text = String::new();
    let flush = |text: &mut String, items: &mut Vec<Item>, prosody: &Prosody| {
        if !text.trim().is_empty() {
            items.push(Item::Text { text: std::mem::take(text), prosody: *prosody });
        } else {
            text.clear();
        }
    };
    while p.pos < src.len() {
        let rest = &src[p.pos..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").ok_or_else(|| err(src, p.pos, "comment is never closed with '-->'"))?;
            p.pos += end + 3;
            continue;
        }
        if rest.starts_with("<?") {
            let end = rest.find("?>").ok_or_else(|| err(src, p.pos, "processing instruction is never closed"))?;
            p.pos += end + 2;
            continue;
        }
        if rest.starts_with("<!") {
            let end = rest.find('>').ok_or_else(|| err(src, p.pos, "declaration is never closed"))?;
            p.pos += end + 1;
            continue;
        }
        if rest.starts_with('<') {
            let tag = p.tag()?;
            let cur = *prosody.last().unwrap_or(&Prosody::default());
            if tag.closing {
                match stack.pop() {
                    Some((n, _)) if n == tag.name => {}
                    Some((n, at)) => return Err(err(src, tag.at, format!("</{}> closes <{n}> opened at {}", tag.name, position(src, at)))),
                    None => return Err(err(src, tag.at, format!("</{}> has no opening tag", tag.name))),
                }
                if let Some((open, t)) = capture.take_if(|(o, _)| o.name == tag.name) {
                    let t = t.trim().to_string();
                    match open.name.as_str() {
                        "say-as" => items.push(Item::SayAs {
                            interpret_as: open.attr("interpret-as").unwrap_or("").to_string(),
                            format: open.attr("format").map(String::from),
                            text: t,
                            prosody: cur,
                        }),
                        "phoneme" => items.push(Item::Phoneme { ph: open.attr("ph").unwrap_or("").to_string(), text: t, prosody: cur }),
                        _ => {}
                    }
                    continue;
                }
                flush(&mut text, &mut items, &cur);
                match tag.name.as_str() {
                    "prosody" => {
                        prosody.pop();
                    }
                    "s" => items.push(Item::Boundary { paragraph: false }),
                    "p" => items.push(Item::Boundary { paragraph: true }),
                    _ => {}
                }
                continue;
            }
            if capture.is_some() {
                return Err(err(src, tag.at, format!("<{}> cannot be nested inside <say-as> or <phoneme>", tag.name)));
            }
            if !seen_speak && tag.name != "speak" {
                return Err(err(src, tag.at, format!("the document must start with <speak>, not <{}>", tag.name)));
            }
            if tag.name == "speak" && seen_speak && stack.is_empty() {
                return Err(err(src, tag.at, "only one <speak> element is allowed"));
            }
            seen_speak = true;
            flush(&mut text, &mut items, &cur);
            match tag.name.as_str() {
                "break" => {
                    let ms = match (tag.attr("time"), tag.attr("strength")) {
                        (Some(t), _) => parse_time(t).ok_or_else(|| err(src, tag.at, format!("break time '{t}' is not like 500ms or 1.5s (at most 60 s)")))?,
                        (None, Some(s)) => match s {
                            "none" => 0,
                            "x-weak" => 100,
                            "weak" => 200,
                            "medium" => 400,
                            "strong" => 700,
                            "x-strong" => 1000,
                            _ => return Err(err(src, tag.at, format!("break strength '{s}' is not none|x-weak|weak|medium|strong|x-strong"))),
                        },
                        (None, None) => 400,
                    };
                    items.push(Item::Break { ms });
                }
                "prosody" => {
                    let mut pr = cur;
                    if let Some(v) = tag.attr("rate") {
                        pr.rate *= parse_level(v, &RATES, false, false)
                            .ok_or_else(|| err(src, tag.at, format!("prosody rate '{v}' is not x-slow..x-fast or a percentage")))?;
                    }
                    if let Some(v) = tag.attr("pitch") {
                        pr.pitch *= parse_level(v, &PITCHES, false, true)
                            .ok_or_else(|| err(src, tag.at, format!("prosody pitch '{v}' is not x-low..x-high, +N%, or +Nst")))?;
                    }
                    if let Some(v) = tag.attr("volume") {
                        pr.volume *= parse_level(v, &VOLUMES, true, false)
                            .ok_or_else(|| err(src, tag.at, format!("prosody volume '{v}' is not silent..x-loud, +NdB, or a percentage")))?;
                    }
                    if !tag.self_closing {
                        prosody.push(pr);
                    }
                }
                "say-as" | "phoneme" | "sub" => {
                    if tag.name == "say-as" && tag.attr("interpret-as").is_none() {
                        return Err(err(src, tag.at, "<say-as> needs interpret-as=\"...\""));
                    }
                    if tag.name == "phoneme" {
                        if tag.attr("ph").is_none() {
                            return Err(err(src, tag.at, "<phoneme> needs ph=\"...\""));
                        }
                        if let Some(a) = tag
                            .attr("alphabet")
                            .filter(|a| !a.eq_ignore_ascii_case("arpabet") && !a.eq_ignore_ascii_case("x-arpabet") && !a.eq_ignore_ascii_case("cmu"))
                        {
                            return Err(err(src, tag.at, format!("phoneme alphabet '{a}' is not supported; use alphabet=\"arpabet\"")));
                        }
                    }
                    if tag.name == "sub" {
                        let alias = tag.attr("alias").ok_or_else(|| err(src, tag.at, "<sub> needs alias=\"...\""))?;
                        items.push(Item::Text { text: alias.to_string(), prosody: cur });
                        if !tag.self_closing {
                            // the element's own text is replaced: capture and drop it
                            stack.push((tag.name.clone(), tag.at));
                            capture = Some((tag, String::new()));
                        }
                        continue;
                    }
                    if !tag.self_closing {
                        stack.push((tag.name.clone(), tag.at));
                        capture = Some((tag, String::new()));
                        continue;
                    }
                }
                _ => {}
            }
            if !tag.self_closing {
                stack.push((tag.name.clone(), tag.at));
            }
            continue;
        }
        // Text up to the next tag.
        let end = rest.find('<').unwrap_or(rest.len());
        let raw = &rest[..end];
        if raw.contains('>') {
            return Err(err(src, p.pos + raw.find('>').unwrap_or(0), "stray '>' in text; write &gt;"));
        }
        let t = unescape(raw).map_err(|m| err(src, p.pos + raw.find('&').unwrap_or(0), m))?;
        if !t.trim().is_empty() && (!seen_speak || stack.is_empty()) {
            return Err(err(src, p.pos, "text outside <speak>...</speak>"));
        }
        match capture.as_mut() {
            Some((_, c)) => c.push_str(&t),
            None => text.push_str(&t),
        }
        p.pos += end;
    }
    if let Some((n, at)) = stack.pop() {
        return Err(err(src, at, format!("<{n}> is never closed")));
    }
    if !seen_speak {
        return Err(err(src, 0, "no <speak> element"));
    }
    let cur = *prosody.last().unwrap_or(&Prosody::default());
    flush(&mut text, &mut items, &cur);
    Ok(items)
}
