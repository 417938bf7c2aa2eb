//! Loading: a definitions [`Source`] parsed ([`crate::source`]) and checked
//! ([`crate::lint`]) into [`Loaded`], what every generator and feature reads. A file
//! with an error diagnostic does not load.

use crate::diag::{self, Diagnostic, Pos};
use crate::lint;
use crate::model::Definitions;
use crate::source::yaml::Document;
use crate::source::{self, Source, EMBEDDED, EMBEDDED_NAME};

/// A successfully loaded definitions file.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub defs: Definitions,
    pub doc: Document,
    /// Warnings (errors make `load` fail).
    pub warnings: Vec<Diagnostic>,
}

impl Loaded {
    pub fn pos(&self, path: &str) -> Pos {
        self.doc.pos(path)
    }

    /// Index of an alert by name.
    pub fn alert_path(&self, name: &str) -> String {
        match self.defs.spec.alerts.iter().position(|a| a.name == name) {
            Some(i) => format!("spec.alerts[{i}]"),
            None => "spec.alerts".into(),
        }
    }
}

/// Load and check a definitions file. `Err` holds at least one error diagnostic.
pub fn load(file: &str, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    // A credential written in clear is reported whatever else is wrong with the file
    // (a file that is not YAML at all has no positions to check against).
    let doc = source::yaml::parse(file, text)?;
    let secrets = lint::secrets::scan_secrets(file, text);
    let parsed = match source::parse_document(file, doc) {
        Ok(p) => p,
        Err(mut d) => {
            d.extend(secrets);
            diag::sort(&mut d);
            return Err(d);
        }
    };
    let mut diags = secrets;
    diags.extend(lint::run(&parsed));
    diag::sort(&mut diags);
    if diag::has_errors(&diags) {
        return Err(diags);
    }
    Ok(Loaded {
        file: parsed.file,
        defs: parsed.defs,
        doc: parsed.doc,
        warnings: diags,
    })
}

/// Load the embedded Luneo definitions.
pub fn load_embedded() -> Result<Loaded, Vec<Diagnostic>> {
    load(EMBEDDED_NAME, EMBEDDED)
}

/// The definitions a request names, or the embedded ones when it names none.
pub fn resolve(src: &Option<Source>) -> Result<Loaded, Vec<Diagnostic>> {
    match src {
        Some(s) => load(&s.name, &s.text),
        None => load_embedded(),
    }
}
