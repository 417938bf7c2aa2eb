//! Definitions in: the text a host hands over ([`Source`]), parsed into a positioned YAML
//! document ([`yaml`]) and the typed model, with every problem as a diagnostic that
//! points at the YAML node. No semantic check here: see [`crate::lint`].

pub mod yaml;

use serde::{Deserialize, Serialize};

use crate::diag::registry as codes;
use crate::diag::Diagnostic;
use crate::model::Definitions;
use yaml::Document;

/// Luneo's definitions, embedded so every command works with no file given.
pub const EMBEDDED_NAME: &str = "definitions/luneo.yaml";
pub const EMBEDDED: &str = include_str!("../../../../definitions/luneo.yaml");

/// A definitions file given by the user; `None` means the embedded Luneo definitions.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A definitions file that has the format's shape (not yet checked).
#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: String,
    pub doc: Document,
    pub defs: Definitions,
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    let mut s = String::new();
    for seg in path.iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => s.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(key);
            }
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    s
}

fn serde_diagnostic(
    file: &str,
    doc: &Document,
    err: &serde_path_to_error::Error<serde_json::Error>,
) -> Diagnostic {
    let path = path_string(err.path());
    let msg = err.inner().to_string();
    let (code, hint) = if msg.starts_with("unknown field") {
        (&codes::DEFINITIONS_UNKNOWN_FIELD, "remove the field or fix its spelling; the accepted fields are listed above (see docs/definitions.md)")
    } else if msg.starts_with("missing field") {
        (
            &codes::DEFINITIONS_MISSING_FIELD,
            "add the field; definitions/luneo.yaml shows every field in use",
        )
    } else if msg.starts_with("unknown variant") {
        (
            &codes::DEFINITIONS_UNKNOWN_VALUE,
            "use one of the accepted values listed above",
        )
    } else if msg.starts_with("invalid type") {
        (
            &codes::DEFINITIONS_WRONG_TYPE,
            "quote strings, write numbers without quotes or units, and lists as [a, b]",
        )
    } else {
        (
            &codes::DEFINITIONS_INVALID,
            "see docs/definitions.md for the expected shape",
        )
    };
    // For an unknown field, point at the offending key itself.
    let pos = if code == &codes::DEFINITIONS_UNKNOWN_FIELD {
        let field = msg.split('`').nth(1).unwrap_or_default();
        let child = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        if doc.index.contains_key(&child) {
            doc.key_pos(&child)
        } else {
            doc.pos(&path)
        }
    } else {
        doc.pos(&path)
    };
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    };
    Diagnostic::error(code, file, pos, format!("{msg}{at}")).with_hint(hint)
}

/// Parse `text` into the positioned document and the typed model.
pub fn parse(file: &str, text: &str) -> Result<Parsed, Vec<Diagnostic>> {
    parse_document(file, yaml::parse(file, text)?)
}

/// Read the typed model out of a positioned document.
pub fn parse_document(file: &str, doc: Document) -> Result<Parsed, Vec<Diagnostic>> {
    match serde_path_to_error::deserialize(&doc.value) {
        Ok(defs) => Ok(Parsed {
            file: file.to_string(),
            doc,
            defs,
        }),
        Err(e) => Err(vec![serde_diagnostic(file, &doc, &e)]),
    }
}
