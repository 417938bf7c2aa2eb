//! Diagnostics: every problem the core reports has a stable code (`area/kebab-name`), a
//! severity, a message that says why, the position of the offending YAML node and a hint.

pub mod registry;

use serde::{Deserialize, Serialize};

pub use registry::Check;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A position in a source file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// File the position refers to (the definitions file, or a manifest).
    pub file: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(
        code: &Check,
        severity: Severity,
        file: &str,
        pos: Pos,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code: code.id.to_string(),
            severity,
            message: message.into(),
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            hint: None,
        }
    }

    pub fn error(code: &Check, file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, file, pos, message)
    }

    pub fn warning(code: &Check, file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, file, pos, message)
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `file:line:column: severity[code]: message` plus an indented hint line.
    pub fn render(&self) -> String {
        let mut s = format!(
            "{}:{}:{}: {}[{}]: {}",
            self.file,
            self.line,
            self.column,
            self.severity.as_str(),
            self.code,
            self.message
        );
        if let Some(h) = &self.hint {
            s.push_str("\n  hint: ");
            s.push_str(h);
        }
        s
    }
}

/// Sort diagnostics by file, position, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.code, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.code, &b.message))
    });
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}
