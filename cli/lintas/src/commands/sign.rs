//! `lintas sign`: adds `manifest.sig` (the key id and an Ed25519 signature
//! over the exact bytes of `manifest.json`) to a bundle, after checking
//! that every file matches the manifest. Signing is deterministic, so a
//! signed bundle is as reproducible as an unsigned one.

use super::shipping;
use crate::{ExitCode, Io};
use lintas_bundle::{Limits, SecretKey};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle to sign (replaced, unless `-o` is given).
    pub bundle: PathBuf,
    /// The signing key (`ID.key`, from `lintas keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// Write the signed bundle here instead of replacing the input.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let key = match SecretKey::read(&args.key) {
        Ok(key) => key,
        Err(e) => return shipping::refusal(io, &e),
    };
    let shown = args.bundle.display().to_string();
    let bytes = match std::fs::read(&args.bundle) {
        Ok(bytes) => bytes,
        Err(e) => return crate::io_error(io, &format!("{shown}: cannot read: {e}")),
    };
    let signed = match lintas_bundle::sign(&bytes, &shown, &key, &Limits::default()) {
        Ok(signed) => signed,
        Err(e) => return shipping::refusal(io, &e),
    };
    let output = args.output.unwrap_or(args.bundle);
    if let Err(message) = shipping::write_atomically(&output, &signed) {
        return crate::io_error(io, &message);
    }
    let _ = writeln!(
        io.out,
        "signed {} with key `{}`",
        output.display(),
        key.id()
    );
    ExitCode::Success
}
