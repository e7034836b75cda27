//! The `lintas` command as a library: [`run`] takes the arguments and the
//! output streams, so tests drive exactly what users run. All terminal and
//! file I/O of the compiler happens in this crate.

mod commands;
mod explain;
/// Reading packages from disk (shared with the language server).
pub use lintas_load as loader;
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
    Check(commands::check::Args),
    /// Rewrite rule files in the canonical layout.
    Fmt(commands::fmt::Args),
    /// Decide records with the reference interpreter.
    Eval(commands::eval::Args),
    /// Write deterministic, realistic traffic as JSON lines.
    Generate(commands::generate::Args),
    /// Compare two versions of a package on the same traffic: how many
    /// decisions change, which rules newly fire or stop, and what changed in
    /// the rules themselves.
    Diff(commands::diff::Args),
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
    Test(commands::test::Args),
    /// Compile a package into a bundle to sign and ship (`--emit ir` shows
    /// the backend IR instead).
    Build(commands::build::Args),
    /// Make an Ed25519 signing key with an id (`ID.key` and `ID.pub`).
    Keygen(commands::keygen::Args),
    /// Sign a bundle with a key from `lintas keygen`.
    Sign(commands::sign::Args),
    /// Check a bundle as a checkpoint would: signature by a trusted key,
    /// hashes, compatibility, expiry, rollback, compiling.
    Verify(commands::verify::Args),
    /// Show what a bundle holds: version, rules, decisions, hashes, key id,
    /// expiry.
    Inspect(commands::inspect::Args),
    /// Time checking, compiling and deciding with the interpreter and the
    /// native backend, after checking that they agree on every record.
    Bench(commands::bench::Args),
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
        Command::Check(args) => commands::check::run(args, io),
        Command::Fmt(args) => commands::fmt::run(args, io),
        Command::Eval(args) => commands::eval::run(args, io),
        Command::Generate(args) => commands::generate::run(args, io),
        Command::Diff(args) => commands::diff::run(args, io),
        Command::Promote { package, rule } => commands::promote::run(&package, &rule, io),
        Command::Lsp => match lintas_lsp::serve_stdio() {
            Ok(()) => ExitCode::Success,
            Err(message) => io_error(io, &format!("language server: {message}")),
        },
        Command::Test(args) => commands::test::run(args, io),
        Command::Build(args) => commands::build::run(args, io),
        Command::Keygen(args) => commands::keygen::run(args, io),
        Command::Sign(args) => commands::sign::run(args, io),
        Command::Verify(args) => commands::verify::run(args, io),
        Command::Inspect(args) => commands::inspect::run(args, io),
        Command::Bench(args) => commands::bench::run(args, io),
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
