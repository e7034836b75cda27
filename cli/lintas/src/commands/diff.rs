//! `lintas diff OLD NEW --traffic FILE`: what a rule change does to real
//! traffic, and what changed in the rules themselves.

use super::package::{Checked, load_checked};
use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_check::diff::RuleSetDiff;
use lintas_eval::impact::{Impact, impact};
use lintas_syntax::ast::Mode;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Markdown,
    Json,
}

/// Rows of the per-field breakdown shown in the table and Markdown reports.
const BREAKDOWN_ROWS: usize = 12;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old rules: a package directory or `git:REV:PATH`.
    pub old: String,
    /// The new rules: a package directory or `git:REV:PATH`.
    pub new: String,
    /// Recorded or generated traffic (JSON lines or a JSON array).
    #[arg(long)]
    pub traffic: PathBuf,
    #[arg(long)]
    pub decision: Option<String>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    #[command(flatten)]
    pub context: super::eval::ContextArgs,
    /// Exit 1 when more than this share of decisions changes, e.g. `1%`.
    #[arg(long, value_name = "PERCENT")]
    pub fail_if_changed_over: Option<String>,
    /// Report what would change if the new rules' shadow rules were enforced.
    #[arg(long)]
    pub enforce_shadow: bool,
    /// Write the report here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Serialize)]
struct Report<'a> {
    old: &'a str,
    new: &'a str,
    rules: &'a RuleSetDiff,
    impact: &'a Impact,
    changed_percent: f64,
    enforce_shadow: bool,
    /// 1-based positions of the records whose decision changed.
    changed_records: Vec<usize>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let threshold = match args
        .fail_if_changed_over
        .as_deref()
        .map(parse_percent)
        .transpose()
    {
        Ok(t) => t,
        Err(message) => return crate::io_error(io, &message),
    };
    // Keep the checked-out revisions alive until the report is written.
    let mut scratch = Vec::new();
    // `git:` revisions are read from the repository holding the other side
    // (or the current directory), so the command works from anywhere.
    let repo = [&args.new, &args.old]
        .into_iter()
        .filter(|s| !s.starts_with("git:"))
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("."));
    let old = match load_side(&args.old, &repo, &mut scratch, io) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut new = match load_side(&args.new, &repo, &mut scratch, io) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if args.enforce_shadow {
        for decision in &mut new.result.program.decisions {
            for rule in &mut decision.rules {
                rule.mode = Mode::Enforce;
            }
        }
    }
    let decision = match pick_decision(&new, args.decision.as_deref()) {
        Ok(d) => d,
        Err(message) => return crate::io_error(io, &message),
    };
    let over_manifest = new
        .result
        .program
        .decisions
        .iter()
        .any(|d| d.name == decision && d.over_manifest);
    if over_manifest {
        // Members of a manifest are decided together (aggregates); comparing
        // them one by one would hide exactly the changes that matter.
        return crate::io_error(
            io,
            &format!(
                "`{decision}` screens whole manifests; `lintas diff` compares single-record decisions for now"
            ),
        );
    }
    let context = match args.context.to_json() {
        Ok(c) => c,
        Err(message) => return crate::io_error(io, &message),
    };
    let text = match super::eval::read_input(Some(&args.traffic)) {
        Ok(t) => t,
        Err(message) => return crate::io_error(io, &message),
    };
    let records: Vec<&str> = super::input::split_records(&text, false)
        .into_iter()
        .flat_map(|batch| batch.unwrap_or_default())
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let show_progress = io.colour && records.len() >= 10_000;
    let total = records.len();
    let progress = move |n: usize| {
        if show_progress {
            eprint!("\rcompared {n} of {total} records");
        }
    };
    let impact = match impact(
        &old.result.program,
        &new.result.program,
        &decision,
        &records,
        &context,
        threads,
        &progress,
    ) {
        Ok(c) => c,
        Err(message) => return crate::io_error(io, &message),
    };
    if show_progress {
        let _ = writeln!(io.err, "\rcompared {total} records            ");
    }

    let rules = lintas_check::diff::diff(&old.result.program, &new.result.program);
    let percent = if impact.records == 0 {
        0.0
    } else {
        impact.changed as f64 * 100.0 / impact.records as f64
    };
    let report = Report {
        old: &args.old,
        new: &args.new,
        rules: &rules,
        impact: &impact,
        changed_percent: percent,
        enforce_shadow: args.enforce_shadow,
        changed_records: impact.changed_records.iter().map(|i| i + 1).collect(),
    };
    let rendered = match args.format {
        DiffFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        DiffFormat::Markdown => markdown(&report),
        DiffFormat::Table => table(&report),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &rendered) {
                return crate::io_error(io, &format!("{}: cannot write: {e}", path.display()));
            }
        }
        None => {
            let _ = io.out.write_all(rendered.as_bytes());
        }
    }
    match threshold {
        Some(limit) if percent > limit => {
            let _ = writeln!(
                io.err,
                "gate: {percent:.2}% of decisions changed, more than the allowed {limit}%"
            );
            ExitCode::Findings
        }
        _ => ExitCode::Success,
    }
}

fn parse_percent(text: &str) -> Result<f64, String> {
    text.trim()
        .trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .ok_or_else(|| format!("`{text}` is not a percentage such as `1%`"))
}

fn pick_decision(package: &Checked, name: Option<&str>) -> Result<String, String> {
    let names: Vec<&str> = package
        .result
        .program
        .decisions
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    match name {
        Some(n) if names.contains(&n) => Ok(n.to_string()),
        Some(n) => Err(format!(
            "no decision `{n}` (there are {})",
            names.join(", ")
        )),
        None if names.len() == 1 => Ok(names.first().map(|s| (*s).to_string()).unwrap_or_default()),
        None => Err(format!(
            "choose a decision with `--decision` ({})",
            names.join(", ")
        )),
    }
}

/// A package from a directory, or from `git:REV:PATH` checked out into a
/// scratch directory (the whole tree, so that `extends` paths resolve).
fn load_side(
    spec: &str,
    repo: &std::path::Path,
    scratch: &mut Vec<tempdir::Scratch>,
    io: &mut Io<'_>,
) -> Result<Checked, ExitCode> {
    let path = match spec.strip_prefix("git:") {
        Some(rest) => {
            let Some((rev, path)) = rest.split_once(':') else {
                return Err(crate::io_error(
                    io,
                    &format!(
                        "`{spec}`: write a revision as `git:REV:PATH`, e.g. `git:main:rules/asean`"
                    ),
                ));
            };
            let dir = match tempdir::checkout(repo, rev) {
                Ok(d) => d,
                Err(message) => return Err(crate::io_error(io, &format!("`{spec}`: {message}"))),
            };
            let full = dir.path.join(path);
            scratch.push(dir);
            full
        }
        None => PathBuf::from(spec),
    };
    let mut checked = load_checked(&path, io)?;
    if checked.len() != 1 {
        return Err(crate::io_error(
            io,
            &format!("`{spec}` holds {} packages; name one", checked.len()),
        ));
    }
    checked.pop().ok_or(ExitCode::Usage)
}

/// Checking out a revision with plain git, into a directory removed when
/// dropped.
mod tempdir {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    /// A checked-out revision, removed when dropped.
    pub struct Scratch {
        dir: tempfile::TempDir,
        pub path: PathBuf,
    }

    pub fn checkout(repo: &std::path::Path, rev: &str) -> Result<Scratch, String> {
        let start = if repo.is_dir() {
            repo
        } else {
            repo.parent().unwrap_or(repo)
        };
        let start = start.to_string_lossy();
        let top = git(&["rev-parse", "--show-toplevel"], Some(&start))
            .map_err(|e| format!("not in a git repository: {e}"))?;
        let commit = git(
            &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
            Some(top.trim()),
        )
        .map_err(|_| format!("`{rev}` is not a revision of this repository"))?;
        let dir = tempfile::Builder::new()
            .prefix("lintas-diff-")
            .tempdir()
            .map_err(|e| format!("cannot create a scratch directory: {e}"))?;
        let scratch = Scratch {
            path: dir.path().to_path_buf(),
            dir,
        };
        let _ = &scratch.dir;
        // `git archive | tar -x`: standard tools, no work-tree changes.
        let archive = Command::new("git")
            .args(["-C", top.trim(), "archive", "--format=tar", commit.trim()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let stdout = archive.stdout.ok_or("git produced no archive")?;
        let status = Command::new("tar")
            .args(["-x", "-C"])
            .arg(&scratch.path)
            .stdin(stdout)
            .status()
            .map_err(|e| format!("cannot run tar: {e}"))?;
        if !status.success() {
            return Err("could not unpack the revision".to_string());
        }
        Ok(scratch)
    }

    fn git(args: &[&str], dir: Option<&str>) -> Result<String, String> {
        let mut command = Command::new("git");
        if let Some(d) = dir {
            command.args(["-C", d]);
        }
        let out = command
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

fn table(r: &Report<'_>) -> String {
    let i = r.impact;
    let mut out = format!(
        "decision {}: {} of {} decisions changed ({:.2}%){}\n",
        i.decision,
        i.changed,
        i.records,
        r.changed_percent,
        if r.enforce_shadow {
            ", shadow rules enforced"
        } else {
            ""
        }
    );
    out.push_str("\noutcomes (old -> new):\n");
    for t in &i.matrix {
        let mark = if t.from == t.to { " " } else { "*" };
        out.push_str(&format!(
            "  {mark} {:<10} -> {:<10} {:>8}\n",
            t.from, t.to, t.count
        ));
    }
    out.push_str("\nrules (fired before, after, newly, stopped):\n");
    for rule in i
        .rules
        .iter()
        .filter(|r| r.newly_fires > 0 || r.stops_firing > 0)
    {
        out.push_str(&format!(
            "  {:<28} {:>8} {:>8} {:>+8} {:>8}\n",
            rule.rule, rule.fired_before, rule.fired_after, rule.newly_fires, rule.stops_firing
        ));
    }
    if !i.breakdown.is_empty() {
        out.push_str("\nchanged by field (most affected first):\n");
        for b in i.breakdown.iter().take(BREAKDOWN_ROWS) {
            out.push_str(&format!(
                "  {} = {:<12} {:>6} of {:>6}\n",
                b.field, b.value, b.changed, b.records
            ));
        }
        if i.breakdown.len() > BREAKDOWN_ROWS {
            out.push_str(&format!(
                "  ... and {} more (see --format json)\n",
                i.breakdown.len() - BREAKDOWN_ROWS
            ));
        }
    }
    out.push_str(&rules_text(r.rules));
    if !i.examples.is_empty() {
        out.push_str("\nexamples:\n");
        for e in &i.examples {
            out.push_str(&format!(
                "  record {}: {} -> {} ({} -> {})\n",
                e.record,
                e.from,
                e.to,
                reasons(&e.reasons_before),
                reasons(&e.reasons_after)
            ));
        }
    }
    out
}

fn reasons(codes: &[String]) -> String {
    if codes.is_empty() {
        "no reasons".to_string()
    } else {
        codes.join(", ")
    }
}

fn rules_text(d: &RuleSetDiff) -> String {
    let mut out = String::from("\nrule changes:\n");
    if d.is_empty() {
        out.push_str("  none\n");
    }
    for r in &d.rules_added {
        out.push_str(&format!("  + rule {} ({})\n", r.rule, r.decision));
    }
    for r in &d.rules_removed {
        out.push_str(&format!("  - rule {} ({})\n", r.rule, r.decision));
    }
    for c in &d.rules_changed {
        out.push_str(&format!(
            "  ~ rule {} ({}): {}\n",
            c.rule,
            c.decision,
            c.parts.join(", ")
        ));
        for detail in &c.details {
            out.push_str(&format!("      {detail}\n"));
        }
    }
    for name in &d.derived_changed {
        out.push_str(&format!("  ~ {name}\n"));
    }
    for data in &d.data {
        out.push_str(&format!(
            "  ~ {}: {} added, {} removed\n",
            data.item,
            data.added.len(),
            data.removed.len()
        ));
    }
    out
}

fn markdown(r: &Report<'_>) -> String {
    let i = r.impact;
    let mut out = format!(
        "### Lintas impact: `{}`\n\n**{} of {} decisions changed ({:.2}%)**{} comparing `{}` with `{}`.\n\n",
        i.decision,
        i.changed,
        i.records,
        r.changed_percent,
        if r.enforce_shadow {
            " with shadow rules enforced,"
        } else {
            ","
        },
        r.old,
        r.new
    );
    out.push_str("| old | new | records |\n| --- | --- | ---: |\n");
    for t in i.matrix.iter().filter(|t| t.from != t.to) {
        out.push_str(&format!("| {} | {} | {} |\n", t.from, t.to, t.count));
    }
    let moving: Vec<_> = i
        .rules
        .iter()
        .filter(|r| r.newly_fires > 0 || r.stops_firing > 0)
        .collect();
    if !moving.is_empty() {
        out.push_str("\n| rule | fired before | fired after | newly fires | stops firing |\n| --- | ---: | ---: | ---: | ---: |\n");
        for rule in moving {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                rule.rule, rule.fired_before, rule.fired_after, rule.newly_fires, rule.stops_firing
            ));
        }
    }
    if !i.breakdown.is_empty() {
        out.push_str("\n| field | value | changed | records |\n| --- | --- | ---: | ---: |\n");
        for b in i.breakdown.iter().take(BREAKDOWN_ROWS) {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                b.field, b.value, b.changed, b.records
            ));
        }
    }
    out.push_str("\n<details><summary>Rule changes</summary>\n\n```");
    out.push_str(&rules_text(r.rules));
    out.push_str("```\n</details>\n");
    if !i.examples.is_empty() {
        out.push_str("\n<details><summary>Examples (sensitive fields masked)</summary>\n\n");
        for e in &i.examples {
            out.push_str(&format!(
                "- record {}: **{} → {}** ({} → {})\n  `{}`\n",
                e.record,
                e.from,
                e.to,
                reasons(&e.reasons_before),
                reasons(&e.reasons_after),
                e.input
            ));
        }
        out.push_str("\n</details>\n");
    }
    out
}
