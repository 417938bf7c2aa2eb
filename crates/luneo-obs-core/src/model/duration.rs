//! Prometheus durations (`30s`, `5m`, `1h30m`), parsed to milliseconds.
//!
//! [`Duration`] is how the model holds them: the text as written (kept for output and
//! messages) and its milliseconds, parsed once when the definitions are read.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration of the definitions: its text and, when it parses, its milliseconds.
///
/// Deserializing never fails on a malformed duration: the lint reports it at the field
/// with a code and a hint (`definitions/bad-duration`), so every bad duration of a file is
/// reported at once. Definitions that loaded (`crate::load::Loaded`) hold valid durations
/// only: generators read [`Duration::ms`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    text: String,
    parsed: Result<u64, String>,
}

impl Duration {
    /// Parse `text` (kept as written).
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let parsed = parse(&text);
        Self { text, parsed }
    }

    /// The duration as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Milliseconds, or why the text is not a duration.
    pub fn parsed(&self) -> Result<u64, &str> {
        self.parsed.as_ref().copied().map_err(String::as_str)
    }

    /// Milliseconds. Loaded definitions only hold valid durations (the lint rejects the
    /// others); a malformed one reads as 0 here.
    pub fn ms(&self) -> u64 {
        self.parsed.as_ref().copied().unwrap_or(0)
    }
}

impl From<&str> for Duration {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for Duration {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Duration {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

/// In the JSON Schema a duration is a string (its syntax is checked by the lint).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

/// Parse a Prometheus duration. Units: ms, s, m, h, d, w, y; at least one component,
/// units in decreasing order, no sign, no spaces.
pub fn parse(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let units: [(&str, u64); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_rank: Option<usize> = None;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(format!(
                "`{s}` is not a duration: expected a number at position {}",
                start + 1
            ));
        }
        let n: u64 = s[start..i]
            .parse()
            .map_err(|_| format!("`{s}`: number too large"))?;
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let u = &s[ustart..i];
        if u.is_empty() {
            return Err(match s[i..].chars().next() {
                None => format!("`{s}` is not a duration: the number {n} has no unit (use ms, s, m, h, d, w or y: {n}s, {n}m)"),
                Some(c) => format!("`{s}` is not a duration: unexpected `{c}` at position {} (write one number and unit after another, no spaces: 2h, 1h30m)", i + 1),
            });
        }
        let Some(rank) = units.iter().position(|(name, _)| *name == u) else {
            return Err(format!(
                "`{s}` is not a duration: unknown unit `{u}` (use ms, s, m, h, d, w or y)"
            ));
        };
        if last_rank.is_some_and(|r| rank <= r) {
            return Err(format!(
                "`{s}`: units must appear once each, largest first (e.g. 1h30m)"
            ));
        }
        last_rank = Some(rank);
        total = n
            .checked_mul(units[rank].1)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{s}`: duration too large"))?;
    }
    Ok(total)
}

/// Render milliseconds in Prometheus' canonical form (`1h30m`, `5m`, `250ms`).
pub fn format(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (name, size) in [
        ("d", 86_400_000u64),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{}", rest / size, name));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse("5m"), Ok(300_000));
        assert_eq!(parse("1h30m"), Ok(5_400_000));
        assert_eq!(parse("250ms"), Ok(250));
        assert_eq!(format(5_400_000), "1h30m");
        assert_eq!(format(120_000), "2m");
    }

    #[test]
    fn durations_parse_once_and_keep_their_text() {
        let d: Duration = serde_json::from_str("\"1h30m\"").unwrap_or_else(|_| Duration::new(""));
        assert_eq!((d.as_str(), d.ms()), ("1h30m", 5_400_000));
        assert_eq!(serde_json::to_string(&d).ok().as_deref(), Some("\"1h30m\""));
        let bad = Duration::new("5 minutes");
        assert!(bad.parsed().is_err_and(|e| e.contains("unexpected ` `")));
        assert_eq!(bad.to_string(), "5 minutes");
    }

    #[test]
    fn rejects_bad_durations() {
        assert!(parse("5x").is_err());
        assert!(parse("m5").is_err());
        assert!(parse("5m1h").is_err());
        assert!(parse("").is_err());
        assert!(parse("2 hours").is_err_and(|e| e.contains("unexpected ` ` at position 2")));
        assert!(parse("10").is_err_and(|e| e.contains("has no unit")));
        assert!(parse("-5m").is_err());
        assert!(parse("99999999999999999999y").is_err());
    }
}
