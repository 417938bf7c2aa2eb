//! A YAML loader that keeps the position of every node.
//!
//! yaml-rust2's event parser gives a marker for each event; we build a small tree from
//! those events, then turn it into a `serde_json::Value` plus an index from paths
//! (`spec.alerts[2].threshold.value`) to positions. Typed deserialisation then runs on
//! the value with `serde_path_to_error`, and every error is mapped back to file:line:col.

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

use crate::diag::registry as codes;
use crate::diag::Check;
use crate::diag::{Diagnostic, Pos};

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys keep their own position (for "unknown field" and "duplicate" diagnostics).
    Map(Vec<(String, Pos, Node)>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

fn pos_of(m: Marker) -> Pos {
    // yaml-rust2 reports 1-based lines and 0-based columns.
    Pos {
        line: m.line(),
        column: m.col() + 1,
    }
}

enum Frame {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(String, Pos, Node)>, Option<(String, Pos)>),
}

struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
    anchors: BTreeMap<usize, Node>,
    problems: Vec<(Pos, String, &'static Check)>,
}

impl Builder {
    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, pending)) => match pending.take() {
                None => {
                    let key = match &node.kind {
                        Kind::Str(s) => s.clone(),
                        Kind::Int(i) => i.to_string(),
                        Kind::Float(f) => f.to_string(),
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null => "null".to_string(),
                        Kind::Seq(_) | Kind::Map(_) => {
                            self.problems.push((
                                node.pos,
                                "a mapping key must be a scalar".into(),
                                &codes::YAML_COMPLEX_KEY,
                            ));
                            String::new()
                        }
                    };
                    if entries.iter().any(|(k, _, _)| *k == key) {
                        self.problems.push((
                            node.pos,
                            format!("duplicate key `{key}` in this mapping"),
                            &codes::YAML_DUPLICATE_KEY,
                        ));
                    }
                    *pending = Some((key, node.pos));
                }
                Some((key, kpos)) => entries.push((key, kpos, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = pos_of(mark);
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let explicit_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let kind = if style != TScalarStyle::Plain || explicit_str {
                    Kind::Str(value)
                } else {
                    match Yaml::from_str(&value) {
                        Yaml::Integer(i) => Kind::Int(i),
                        Yaml::Real(r) => match r.parse::<f64>() {
                            Ok(f) => Kind::Float(f),
                            Err(_) => Kind::Str(value),
                        },
                        Yaml::Boolean(b) => Kind::Bool(b),
                        Yaml::Null => Kind::Null,
                        _ => Kind::Str(value),
                    }
                };
                self.push_value(Node { pos, kind }, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(pos, anchor, Vec::new())),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map(pos, anchor, Vec::new(), None))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(p, a, items)) => (
                        Node {
                            pos: p,
                            kind: Kind::Seq(items),
                        },
                        a,
                    ),
                    Some(Frame::Map(p, a, entries, _)) => (
                        Node {
                            pos: p,
                            kind: Kind::Map(entries),
                        },
                        a,
                    ),
                    None => return,
                };
                self.push_value(node.0, node.1);
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node {
                    pos,
                    kind: Kind::Null,
                });
                self.push_value(Node { pos, ..node }, 0);
            }
            _ => {}
        }
    }
}

/// A parsed document: the JSON value for serde and the position index.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    pub value: serde_json::Value,
    /// path -> (key position, value position). The root has path "".
    pub index: BTreeMap<String, (Pos, Pos)>,
}

impl Document {
    /// Position of the value at `path`, or of its closest existing ancestor.
    pub fn pos(&self, path: &str) -> Pos {
        let mut p = path.to_string();
        loop {
            if let Some((_, v)) = self.index.get(&p) {
                return *v;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => {
                    return self
                        .index
                        .get("")
                        .map(|x| x.1)
                        .unwrap_or(Pos { line: 1, column: 1 })
                }
            }
        }
    }

    /// Position of the key that introduces `path` (falls back to the value).
    pub fn key_pos(&self, path: &str) -> Pos {
        match self.index.get(path) {
            Some((k, _)) => *k,
            None => self.pos(path),
        }
    }
}

fn to_json(
    node: &Node,
    path: &str,
    key_pos: Pos,
    index: &mut BTreeMap<String, (Pos, Pos)>,
    out_problems: &mut Vec<(Pos, String, &'static Check)>,
) -> serde_json::Value {
    index.insert(path.to_string(), (key_pos, node.pos));
    match &node.kind {
        Kind::Null => serde_json::Value::Null,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Int(i) => serde_json::Value::from(*i),
        Kind::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => serde_json::Value::Number(n),
            None => {
                out_problems.push((
                    node.pos,
                    "infinite or NaN numbers are not allowed here".into(),
                    &codes::YAML_NON_FINITE_NUMBER,
                ));
                serde_json::Value::Null
            }
        },
        Kind::Str(s) => serde_json::Value::String(s.clone()),
        Kind::Seq(items) => serde_json::Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| to_json(n, &format!("{path}[{i}]"), n.pos, index, out_problems))
                .collect(),
        ),
        Kind::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, kp, v) in entries {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                m.insert(k.clone(), to_json(v, &child, *kp, index, out_problems));
            }
            serde_json::Value::Object(m)
        }
    }
}

/// Parse one YAML document. Syntax problems come back as diagnostics with positions.
pub fn parse(file: &str, text: &str) -> Result<Document, Vec<Diagnostic>> {
    let mut b = Builder {
        stack: Vec::new(),
        docs: Vec::new(),
        anchors: BTreeMap::new(),
        problems: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, true) {
        let pos = pos_of(*e.marker());
        return Err(vec![Diagnostic::error(
            &codes::YAML_SYNTAX,
            file,
            pos,
            format!("malformed YAML: {}", e.info()),
        )
        .with_hint("check the indentation and quoting around this position")]);
    }
    let mut diags: Vec<Diagnostic> = Vec::new();
    if b.docs.len() > 1 {
        let p = b.docs[1].pos;
        diags.push(
            Diagnostic::error(
                &codes::YAML_MULTIPLE_DOCUMENTS,
                file,
                p,
                "the definitions file must hold exactly one YAML document",
            )
            .with_hint("remove the `---` separator and merge the documents"),
        );
    }
    let Some(root) = b.docs.into_iter().next() else {
        return Err(vec![Diagnostic::error(
            &codes::YAML_EMPTY,
            file,
            Pos { line: 1, column: 1 },
            "the definitions file is empty",
        )
        .with_hint("start from definitions/luneo.yaml")]);
    };
    let mut index = BTreeMap::new();
    let mut problems = b.problems;
    let value = to_json(&root, "", root.pos, &mut index, &mut problems);
    for (p, msg, code) in problems {
        let hint = match code {
            &codes::YAML_DUPLICATE_KEY => {
                "each key may appear once per mapping: remove or rename one of them"
            }
            _ => "use plain scalars and finite numbers",
        };
        diags.push(Diagnostic::error(code, file, p, msg).with_hint(hint));
    }
    if diags.is_empty() {
        Ok(Document { root, value, index })
    } else {
        Err(diags)
    }
}
