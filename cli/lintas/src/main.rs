//! The `lintas` binary: terminal setup around [`lintas::run`].

use std::io::IsTerminal;

fn main() {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let colour = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let code = lintas::run(
        std::env::args_os(),
        &mut lintas::Io {
            out: &mut out,
            err: &mut err,
            colour,
        },
    );
    std::process::exit(code);
}
