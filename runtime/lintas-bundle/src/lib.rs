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
//!
//! A data bundle ([`data`], [`build_data`]) carries new rows for named
//! sets and tables of a rule package, signed the same way, with a
//! `valid_until` time.
//!
//! At a checkpoint, [`Serving`] holds the bundle in use and swaps in new
//! ones atomically while evaluations go on; [`Watcher`] feeds it from a
//! directory, [`Poller`] from a URL; [`Serving::status`] says what is
//! serving, how fresh its data is and why the last reload failed.

pub mod archive;
mod bundle;
pub mod data;
mod error;
pub mod keys;
mod load;
pub mod manifest;
mod poll;
mod serve;
mod time;
mod watch;

pub use archive::Limits;
pub use bundle::{
    BuildOptions, BundleKind, DATA_DIR, DataFile, IR_TEXT, Opened, PROGRAM, Verified, build,
    check_files, compatible, kind_of_files, open_unverified, sign, verify,
};
pub use data::{
    AppliedData, DataInput, DataLimits, DataManifest, DataOptions, VerifiedData, build_data,
};
pub use error::BundleError;
pub use keys::{PublicKey, SecretKey, TrustStore};
pub use load::{
    Accepted, BundleSource, COMPILER_VERSION, DATA_STALE, Decider, Engine, LoadedBundle, Loader,
    StalePolicy,
};
pub use manifest::{FORMAT, Manifest};
pub use poll::{PollHandle, PollOptions, PollOutcome, Poller};
pub use serve::{DataStatus, Reload, ReloadError, Serving, ServingStatus, Status};
pub use time::{Clock, Timestamp};
pub use watch::{BundleDir, ScanReport, WatchOptions, Watcher};
