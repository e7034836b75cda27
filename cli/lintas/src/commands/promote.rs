//! `lintas promote PKG RULE`: a shadow rule becomes enforced. The change is
//! made to the source, so that it is reviewed and versioned like any other.

use crate::loader;
use crate::{ExitCode, Io};
use lintas_syntax::ast::{ItemKind, Mode, RuleClause};
use std::path::Path;

pub fn run(package: &Path, rule: &str, io: &mut Io<'_>) -> ExitCode {
    let files = match loader::lintas_files(package) {
        Ok(f) => f,
        Err(e) => return crate::io_error(io, &e.to_string()),
    };
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let parsed = lintas_syntax::parse(lintas_syntax::FileId(0), &text);
        for item in &parsed.file.items {
            let ItemKind::Rule(r) = &item.kind else {
                continue;
            };
            if r.name.name != rule {
                continue;
            }
            let shadow = r.clauses.iter().find_map(|c| match c {
                RuleClause::Mode(Mode::Shadow, span) => Some(*span),
                _ => None,
            });
            let Some(span) = shadow else {
                let _ = writeln!(
                    io.err,
                    "rule `{rule}` is already enforced ({})",
                    path.display()
                );
                return ExitCode::Findings;
            };
            // Remove the clause and its line; the formatter then lays the
            // rule out canonically.
            let start = text
                .get(..span.start as usize)
                .and_then(|b| b.rfind('\n'))
                .map_or(0, |i| i + 1);
            let end = text
                .get(span.end as usize..)
                .and_then(|a| a.find('\n'))
                .map_or(text.len(), |i| span.end as usize + i + 1);
            let line = text.get(start..end).unwrap_or("");
            let edited = if line.trim() == "shadow" {
                format!(
                    "{}{}",
                    text.get(..start).unwrap_or(""),
                    text.get(end..).unwrap_or("")
                )
            } else {
                format!(
                    "{}{}",
                    text.get(..span.start as usize).unwrap_or(""),
                    text.get(span.end as usize..).unwrap_or("")
                )
            };
            let formatted = lintas_syntax::format::format(&edited).unwrap_or(edited);
            if let Err(e) = std::fs::write(&path, formatted) {
                return crate::io_error(io, &format!("{}: cannot write: {e}", path.display()));
            }
            let _ = writeln!(
                io.err,
                "promoted rule `{rule}` to enforce in {}",
                path.display()
            );
            return ExitCode::Success;
        }
    }
    crate::io_error(io, &format!("no rule `{rule}` in {}", package.display()))
}
