//! Rule bundles: how checked rules reach checkpoints.
//!
//! A bundle is one reproducible `.tar.gz` (see [`archive`]) holding
//! `manifest.json` (what it is and the SHA-256 of every other file, see
//! [`manifest`]), `manifest.sig` (an Ed25519 signature over the manifest's
//! exact bytes, see [`keys`]), `program.json` (the checked program: the
//! interpreter runs it, and the loader lowers it to IR again, so loading
//! never parses source), `ir.txt` (the IR text form, for review) and the
//! reference data files under `data/PACKAGE/`.
//!
//! [`build`] and [`sign`] write bundles; [`Loader`] refuses every bundle it
//! cannot trust, each reason its own [`BundleError`] variant, and builds an
//! evaluator for the rest.

pub mod archive;
mod bundle;
mod error;
pub mod keys;
mod load;
pub mod manifest;
mod time;

pub use archive::Limits;
pub use bundle::{
    BuildOptions, DATA_DIR, DataFile, IR_TEXT, Opened, PROGRAM, Verified, build, check_files,
    compatible, open_unverified, sign, verify,
};
pub use error::BundleError;
pub use keys::{PublicKey, SecretKey, TrustStore};
pub use load::{Accepted, BundleSource, COMPILER_VERSION, Decider, Engine, LoadedBundle, Loader};
pub use manifest::{FORMAT, Manifest};
pub use time::Timestamp;
