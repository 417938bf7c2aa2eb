//! Credentials written in clear: Slack webhooks and tokens, PagerDuty integration URLs,
//! routing-key-like tokens and inline credential fields. Run on the definitions text
//! (whatever else is wrong with it), on every generated file and on the tree on disk.

use crate::diag::registry as codes;
use crate::diag::{Diagnostic, Pos};

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Literal credentials in `text`: Slack webhook URLs and tokens, PagerDuty integration URLs,
/// routing-key-like tokens (32 letters and digits) and inline credential fields.
pub fn find_secrets(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        for (pat, what) in [
            ("hooks.slack.com/", "a Slack webhook URL"),
            ("hooks.slack-gov.com/", "a Slack webhook URL"),
            (
                "events.pagerduty.com/integration/",
                "a PagerDuty integration URL",
            ),
            ("xoxb-", "a Slack bot token"),
            ("xoxp-", "a Slack user token"),
            ("xapp-", "a Slack app token"),
        ] {
            if let Some(i) = lower.find(pat) {
                out.push((ln + 1, i + 1, what.to_string()));
            }
        }
        for field in [
            "api_url:",
            "routing_key:",
            "service_key:",
            "apiurl:",
            "routingkey:",
        ] {
            if let Some(i) = lower.find(field) {
                let rest = line[i + field.len()..].trim();
                let before = &lower[..i];
                let is_key = before.trim_start().is_empty()
                    || before.trim_end().ends_with('-')
                    || before.trim_end().ends_with('{')
                    || before.trim_end().ends_with(',');
                if is_key && !rest.is_empty() && !rest.starts_with('#') && !rest.starts_with('{') {
                    out.push((
                        ln + 1,
                        i + 1,
                        format!(
                            "an inline `{}` credential field",
                            field.trim_end_matches(':')
                        ),
                    ));
                }
            }
        }
        // Routing-key-like tokens: exactly 32 letters/digits with both letters and digits.
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if is_word(b[i]) && (i == 0 || !is_word(b[i - 1])) {
                let mut j = i;
                while j < b.len() && is_word(b[j]) {
                    j += 1;
                }
                let tok = &b[i..j];
                if tok.len() == 32
                    && tok.iter().all(u8::is_ascii_alphanumeric)
                    && tok.iter().any(u8::is_ascii_digit)
                    && tok.iter().any(u8::is_ascii_alphabetic)
                {
                    out.push((
                        ln + 1,
                        i + 1,
                        "a routing-key-like token (32 letters and digits)".to_string(),
                    ));
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// `secrets/literal` diagnostics for one file (definitions or generated manifest).
pub fn scan_secrets(file: &str, text: &str) -> Vec<Diagnostic> {
    find_secrets(text)
        .into_iter()
        .map(|(line, column, what)| {
            Diagnostic::error(&codes::SECRETS_LITERAL, file, Pos { line, column }, format!("{what} is written in clear: credentials must never reach git"))
                .with_hint("remove it (and rotate it: it may already be in the history); reference the Secret key instead: slack.apiUrl / pagerduty.routingKey { secret, key }, read by Alertmanager through api_url_file / routing_key_file")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn finds_webhooks_keys_and_inline_fields_but_not_file_references() {
        let t = "a: https://hooks.slack.com/services/T0/B0/x\nkey: 0123456789abcdef0123456789abcdef\n  api_url: https://x\n  api_url_file: /etc/alertmanager/secrets/a/b\nuid: luneo-api\n";
        let f = find_secrets(t);
        let lines: Vec<usize> = f.iter().map(|x| x.0).collect();
        assert_eq!(lines, vec![1, 2, 3], "{f:?}");
    }
}
