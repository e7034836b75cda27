//! The `lintas` command as a library: [`run`] takes the arguments and the
//! output streams, so tests drive exactly what users run. All terminal and
//! file I/O of the compiler happens in this crate.

mod commands;
mod explain;
pub mod loader;
mod render;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Exit codes every subcommand follows (documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Nothing to report.
    Success = 0,
    /// Errors in the rules, failed tests, a tripped gate.
    Findings = 1,
    /// Bad usage or an I/O problem: nothing was checked.
    Usage = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for code-scanning views (`lintas check` only).
    Sarif,
}

#[derive(Parser)]
#[command(
    name = "lintas",
    version,
    about = "Policy-as-code for immigration checkpoints"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check rule packages.
    Check {
        /// Packages, directories holding packages, or files inside a package.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail on warnings as well as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Rewrite rule files in the canonical layout.
    Fmt {
        /// Files or directories (searched for `.lintas` files).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Change nothing; list files that are not formatted and exit 1.
        #[arg(long)]
        check: bool,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Decide records with the reference interpreter.
    Eval {
        /// The rule package.
        package: PathBuf,
        /// The decision to take (optional when the package has one).
        #[arg(long)]
        decision: Option<String>,
        /// JSON records: a file holding an array or JSON lines; `-` or
        /// nothing reads standard input.
        #[arg(long, short)]
        input: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = commands::eval::EvalFormat::Jsonl)]
        format: commands::eval::EvalFormat,
        #[command(flatten)]
        context: commands::eval::ContextArgs,
        /// Add, for each rule, whether it fired and the values behind it.
        #[arg(long)]
        explain: bool,
        /// Reject fields the schema does not declare.
        #[arg(long)]
        strict: bool,
    },
    /// Write deterministic, realistic traffic as JSON lines.
    Generate {
        /// The seed: the same seed gives the same records.
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// How many travellers.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Write manifests of this many travellers (one JSON array per line)
        /// instead of single travellers.
        #[arg(long)]
        manifest_size: Option<usize>,
        /// The arrival date of every traveller.
        #[arg(long, default_value = "2026-03-01")]
        arrival: String,
        /// Override a risk rate, e.g. `--rate paid_cash=0.2` (repeatable).
        #[arg(long = "rate", value_name = "NAME=P")]
        rates: Vec<String>,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Compare two versions of a package on the same traffic: how many
    /// decisions change, which rules newly fire or stop, and what changed in
    /// the rules themselves.
    Diff {
        /// The old rules: a package directory or `git:REV:PATH`.
        old: String,
        /// The new rules: a package directory or `git:REV:PATH`.
        new: String,
        /// Recorded or generated traffic (JSON lines or a JSON array).
        #[arg(long)]
        traffic: PathBuf,
        #[arg(long)]
        decision: Option<String>,
        #[arg(long, value_enum, default_value_t = commands::diff::DiffFormat::Table)]
        format: commands::diff::DiffFormat,
        #[command(flatten)]
        context: commands::eval::ContextArgs,
        /// Exit 1 when more than this share of decisions changes, e.g. `1%`.
        #[arg(long, value_name = "PERCENT")]
        fail_if_changed_over: Option<String>,
        /// Report what would change if the new rules' shadow rules were enforced.
        #[arg(long)]
        enforce_shadow: bool,
        /// Write the report here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Turn a shadow rule into an enforced one, as a source change to review.
    Promote {
        /// The package.
        package: PathBuf,
        /// The rule id.
        rule: String,
    },
    /// Serve the language server protocol over standard input and output.
    Lsp,
    /// Run the tests written in the rule packages.
    Test {
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = commands::test::TestFormat::Human)]
        format: commands::test::TestFormat,
        /// Report rules and condition branches no test exercised.
        #[arg(long)]
        coverage: bool,
        /// Fail when rule or branch coverage is below this percentage.
        #[arg(long, value_name = "PERCENT")]
        min_coverage: Option<f64>,
        /// Mutate the rules and report mutants no test kills.
        #[arg(long)]
        mutants: bool,
    },
}

/// Where a command writes: results to `out`, diagnostics and progress to
/// `err`.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Colour in human output; only ever true on a terminal.
    pub colour: bool,
}

/// Runs one `lintas` command line and returns its exit code.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Success
            };
            let rendered = if io.colour {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            let stream: &mut dyn Write = if e.use_stderr() {
                &mut *io.err
            } else {
                &mut *io.out
            };
            let _ = write!(stream, "{rendered}");
            return code as i32;
        }
    };
    let code = match cli.command {
        Command::Check {
            paths,
            format,
            deny_warnings,
        } => commands::check::run(
            commands::check::Args {
                paths,
                format,
                deny_warnings,
            },
            io,
        ),
        Command::Fmt {
            paths,
            check,
            format,
        } => commands::fmt::run(
            commands::fmt::Args {
                paths,
                check,
                format,
            },
            io,
        ),
        Command::Eval {
            package,
            decision,
            input,
            format,
            context,
            explain,
            strict,
        } => commands::eval::run(
            commands::eval::Args {
                package,
                decision,
                input,
                format,
                context,
                explain,
                strict,
            },
            io,
        ),
        Command::Generate {
            seed,
            count,
            manifest_size,
            arrival,
            rates,
            output,
        } => commands::generate::run(
            commands::generate::Args {
                seed,
                count,
                manifest_size,
                arrival,
                rates,
                output,
            },
            io,
        ),
        Command::Diff {
            old,
            new,
            traffic,
            decision,
            format,
            context,
            fail_if_changed_over,
            enforce_shadow,
            output,
        } => commands::diff::run(
            commands::diff::Args {
                old,
                new,
                traffic,
                decision,
                format,
                context,
                fail_if_changed_over,
                enforce_shadow,
                output,
            },
            io,
        ),
        Command::Promote { package, rule } => commands::promote::run(&package, &rule, io),
        Command::Lsp => match lintas_lsp::serve_stdio() {
            Ok(()) => ExitCode::Success,
            Err(message) => io_error(io, &format!("language server: {message}")),
        },
        Command::Test {
            paths,
            format,
            coverage,
            min_coverage,
            mutants,
        } => commands::test::run(
            commands::test::Args {
                paths,
                format,
                coverage,
                min_coverage,
                mutants,
            },
            io,
        ),
    };
    code as i32
}

fn io_error(io: &mut Io<'_>, message: &str) -> ExitCode {
    let _ = writeln!(io.err, "error: {message}");
    ExitCode::Usage
}

fn print_json<T: serde::Serialize>(io: &mut Io<'_>, value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            let _ = writeln!(io.out, "{text}");
        }
        Err(e) => {
            let _ = writeln!(io.err, "error: cannot write JSON: {e}");
        }
    }
}
