//! Reference data written out: `set` and `table` items, inline or reading
//! CSV and JSON files, and those files.

use super::data::{Data, Source};
use super::json::J;
use super::model::Universe;
use super::values::{self, Val};
use crate::Rng;

/// The `set` and `table` items, and the data files they read.
pub(crate) fn render(rng: &mut Rng, u: &Universe, data: &Data) -> (String, Vec<(String, String)>) {
    let mut out = String::new();
    let mut files = Vec::new();
    for set in &data.sets {
        if rng.chance(0.4) {
            out.push_str("/// Reference values, agreed and reviewed.\n");
        }
        let ty = u.render(&set.kind.ty());
        match &set.source {
            Source::Inline => {
                let escape = rng.chance(0.2);
                let cells: Vec<String> = set.values.iter().map(|v| literal(u, v, escape)).collect();
                let trailing = if rng.chance(0.5) { "," } else { "" };
                out.push_str(&format!("set {}: {ty} = {{\n", set.name));
                for chunk in cells.chunks(8) {
                    out.push_str(&format!("  {},\n", chunk.join(", ")));
                }
                // Drop the last comma unless a trailing one was chosen.
                if trailing.is_empty() && out.ends_with(",\n") {
                    out.truncate(out.len() - 2);
                    out.push('\n');
                }
                out.push_str("}\n\n");
            }
            Source::Csv { path, column } => {
                let mut text = String::from("value");
                if column.is_some() {
                    text.push_str(",other");
                }
                text.push('\n');
                for v in &set.values {
                    text.push_str(&csv_cell(&v.cell(u)));
                    if column.is_some() {
                        text.push_str(",x");
                    }
                    text.push('\n');
                }
                files.push((path.clone(), text));
                match column {
                    Some(c) => out.push_str(&format!(
                        "set {}: {ty} from \"{path}\" column \"{c}\"\n\n",
                        set.name
                    )),
                    None => out.push_str(&format!("set {}: {ty} from \"{path}\"\n\n", set.name)),
                }
            }
            Source::Json { path } => {
                let items: Vec<J> = set.values.iter().map(|v| v.json(u)).collect();
                files.push((path.clone(), J::Arr(items).render()));
                out.push_str(&format!("set {}: {ty} from \"{path}\"\n\n", set.name));
            }
        }
    }
    for table in &data.tables {
        out.push_str(&format!("table {} {{\n", table.name));
        for c in &table.columns {
            let key = if c.key { " key" } else { "" };
            out.push_str(&format!("  {}: {}{key}\n", c.name, u.render(&c.ty)));
        }
        out.push('}');
        match &table.source {
            Source::Inline => {
                out.push_str(" rows {\n");
                for row in &table.rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|c| {
                            c.as_ref()
                                .map_or_else(String::new, |v| literal(u, v, false))
                        })
                        .collect();
                    out.push_str(&format!("  | {} |\n", cells.join(" | ")));
                }
                out.push_str("}\n\n");
            }
            Source::Csv { path, .. } => {
                let header: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
                let mut text = format!("{}\n", header.join(","));
                for row in &table.rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|c| {
                            c.as_ref()
                                .map_or_else(String::new, |v| csv_cell(&v.cell(u)))
                        })
                        .collect();
                    text.push_str(&format!("{}\n", cells.join(",")));
                }
                files.push((path.clone(), text));
                out.push_str(&format!(" from \"{path}\"\n\n"));
            }
            Source::Json { path } => {
                let rows: Vec<J> = table
                    .rows
                    .iter()
                    .map(|row| {
                        J::Obj(
                            table
                                .columns
                                .iter()
                                .zip(row)
                                .filter_map(|(c, v)| match v {
                                    Some(v) => Some((c.name.clone(), v.json(u))),
                                    // Absent cells: left out, or null.
                                    None if c.name.len() % 2 == 0 => None,
                                    None => Some((c.name.clone(), J::Null)),
                                })
                                .collect(),
                        )
                    })
                    .collect();
                files.push((path.clone(), J::Arr(rows).render()));
                out.push_str(&format!(" from \"{path}\"\n\n"));
            }
        }
    }
    (out, files)
}

fn literal(u: &Universe, v: &Val, escape: bool) -> String {
    match v {
        Val::Text(t) => values::text_literal(t, escape),
        other => other.lintas(u),
    }
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
