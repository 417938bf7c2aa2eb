//! Name and selector rules shared by the definition checks.

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_' || ch == ':')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
}

pub fn is_camel_case(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Lower-case letters, digits and dashes (cluster and receiver names), not empty.
pub fn is_kebab_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
}

/// A Kubernetes Secret name (DNS subdomain).
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A key of a Kubernetes Secret.
pub fn is_secret_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Check a `{a="b", ...}` selector: it must parse as PromQL label matchers.
pub fn check_selector(sel: &str) -> Result<(), String> {
    let t = sel.trim();
    if !(t.starts_with('{') && t.ends_with('}')) {
        return Err(format!(
            "`{sel}` is not a label selector: write it as {{label=\"value\", ...}}"
        ));
    }
    #[cfg(feature = "promql")]
    {
        match promql_parser::parser::parse(&format!("up{t}")) {
            Ok(promql_parser::parser::Expr::VectorSelector(_)) => Ok(()),
            Ok(_) => Err(format!("`{sel}` is not a plain label selector")),
            Err(e) => Err(format!(
                "`{sel}` does not parse as PromQL label matchers: {e}"
            )),
        }
    }
    #[cfg(not(feature = "promql"))]
    Ok(())
}
