//! Shows diagnostics: human (miette) or JSON. The compiler hands over plain
//! data; only this module knows how it looks.

use lintas_check::workspace::SourceDb;
use lintas_syntax::span::line_col;
use lintas_syntax::{Diagnostic, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

/// Output width for human diagnostics when not on a terminal, so that
/// snapshots and CI logs are stable.
const FIXED_WIDTH: usize = 100;

pub fn human(db: &SourceDb, diagnostic: &Diagnostic, colour: bool) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(FIXED_WIDTH)
        .with_links(false);
    let report = Report::new(db, diagnostic);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = plain(db, diagnostic);
    }
    out
}

fn plain(db: &SourceDb, d: &Diagnostic) -> String {
    let file = d.primary.span.file;
    let (line, column) = line_col(db.text(file), d.primary.span.start as usize);
    format!(
        "{}[{}]: {} at {}:{line}:{column}\n",
        severity_word(d.severity),
        d.code,
        d.message,
        db.path(file)
    )
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A diagnostic with its source, in the shape miette renders.
struct Report {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
}

impl Report {
    fn new(db: &SourceDb, d: &Diagnostic) -> Report {
        let file = d.primary.span.file;
        let text = db.text(file).to_string();
        let clamp = |span: lintas_syntax::Span| {
            let start = (span.start as usize).min(text.len());
            let len = span.len().min(text.len() - start);
            (start, len)
        };
        let (start, len) = clamp(d.primary.span);
        let primary_text = (!d.primary.message.is_empty()).then(|| d.primary.message.clone());
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            primary_text,
            (start, len),
        )];
        let mut help_lines: Vec<String> = Vec::new();
        for label in &d.secondary {
            if label.span.file == file {
                let (s, l) = clamp(label.span);
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    (s, l),
                ));
            } else {
                // miette draws one source per report; a label in another
                // file becomes a note with its location.
                let other = db.text(label.span.file);
                let (line, column) = line_col(other, label.span.start as usize);
                help_lines.push(format!(
                    "{} ({}:{line}:{column})",
                    label.message,
                    db.path(label.span.file)
                ));
            }
        }
        if let Some(h) = &d.help {
            help_lines.push(h.clone());
        }
        Report {
            code: d.code.to_string(),
            message: d.message.clone(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help: (!help_lines.is_empty()).then(|| help_lines.join("\n")),
            source: NamedSource::new(db.path(file), text),
            labels,
        }
    }
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A diagnostic as JSON: positions are 1-based lines and columns counted in
/// characters, plus byte offsets for tools.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: u32,
    pub byte_end: u32,
    pub label: String,
    pub related: Vec<JsonLabel>,
    pub help: Option<String>,
}

#[derive(Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

pub fn json(db: &SourceDb, d: &Diagnostic) -> JsonDiagnostic {
    let file = d.primary.span.file;
    let text = db.text(file);
    let (line, column) = line_col(text, d.primary.span.start as usize);
    let (end_line, end_column) = line_col(text, d.primary.span.end as usize);
    JsonDiagnostic {
        code: d.code,
        severity: d.severity,
        message: d.message.clone(),
        file: db.path(file).to_string(),
        line,
        column,
        end_line,
        end_column,
        byte_start: d.primary.span.start,
        byte_end: d.primary.span.end,
        label: d.primary.message.clone(),
        related: d
            .secondary
            .iter()
            .map(|l| {
                let t = db.text(l.span.file);
                let (line, column) = line_col(t, l.span.start as usize);
                let (end_line, end_column) = line_col(t, l.span.end as usize);
                JsonLabel {
                    file: db.path(l.span.file).to_string(),
                    line,
                    column,
                    end_line,
                    end_column,
                    message: l.message.clone(),
                }
            })
            .collect(),
        help: d.help.clone(),
    }
}

/// Diagnostics as a SARIF 2.1.0 log, so that code-scanning views show them
/// inline. Columns count characters (`unicodeCodePoints`), as in the human
/// and JSON output.
pub fn sarif(db: &SourceDb, diagnostics: &[Diagnostic]) -> serde_json::Value {
    use serde_json::json;
    let rules: Vec<serde_json::Value> = lintas_syntax::codes::ALL
        .iter()
        .map(|(code, summary)| {
            json!({
                "id": code,
                "name": summary,
                "shortDescription": { "text": summary },
                "help": { "text": format!("see docs/diagnostics.md, section {code}") },
            })
        })
        .collect();
    let location = |span: lintas_syntax::Span, message: Option<&str>| {
        let text = db.text(span.file);
        let (line, column) = line_col(text, span.start as usize);
        let (end_line, end_column) = line_col(text, span.end as usize);
        let mut value = json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri(db.path(span.file)) },
                "region": {
                    "startLine": line,
                    "startColumn": column,
                    "endLine": end_line,
                    "endColumn": end_column,
                }
            }
        });
        if let (Some(m), Some(obj)) = (message, value.as_object_mut()) {
            obj.insert("message".into(), json!({ "text": m }));
        }
        value
    };
    let results: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let text = match &d.help {
                Some(h) => format!("{}\nhelp: {h}", d.message),
                None => d.message.clone(),
            };
            json!({
                "ruleId": d.code,
                "ruleIndex": lintas_syntax::codes::ALL.iter().position(|(c, _)| *c == d.code).unwrap_or(0),
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": text },
                "locations": [location(d.primary.span, None)],
                "relatedLocations": d.secondary.iter().enumerate().map(|(i, l)| {
                    let mut v = location(l.span, Some(&l.message));
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("id".into(), json!(i + 1));
                    }
                    v
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "lintas",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/lintas",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// A path as a SARIF artifact URI: relative paths stay relative references.
fn uri(path: &str) -> String {
    let escaped = path.replace('%', "%25").replace(' ', "%20");
    if escaped.starts_with('/') {
        format!("file://{escaped}")
    } else {
        escaped
    }
}
