//! Prometheus durations (`30s`, `5m`, `1h30m`), parsed to milliseconds.

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
    fn rejects_bad_durations() {
        assert!(parse("5x").is_err());
        assert!(parse("m5").is_err());
        assert!(parse("5m1h").is_err());
        assert!(parse("").is_err());
        assert!(parse("-5m").is_err());
        assert!(parse("99999999999999999999y").is_err());
    }
}
