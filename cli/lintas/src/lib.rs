//! The `lintas` command as a library: [`run`] takes the arguments and the
//! output streams, so tests drive exactly what users run. All terminal and
//! file I/O of the compiler happens in this crate.

mod commands;
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
}

#[derive(Parser)]
#[command(name = "lintas", version, about = "Policy-as-code for immigration checkpoints")]
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
            let code = if e.use_stderr() { ExitCode::Usage } else { ExitCode::Success };
            let rendered = if io.colour { e.render().ansi().to_string() } else { e.render().to_string() };
            let stream: &mut dyn Write = if e.use_stderr() { &mut *io.err } else { &mut *io.out };
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
        Command::Fmt { paths, check, format } => commands::fmt::run(commands::fmt::Args { paths, check, format }, io),
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
