//! What the serving tests share: signed bundles of generated packages
//! whose decisions differ by version, the reference package, keys, and a
//! loader that trusts them.

#![allow(dead_code, reason = "each test binary uses part of it")]

use lintas_bundle::archive::Limits;
use lintas_bundle::{BuildOptions, DataFile, Loader, SecretKey, Timestamp, TrustStore};
use lintas_check::hir::Program;
use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn time(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// The time the tests' bundles are built at; they expire 2026-06-30.
pub const BUILT: &str = "2026-03-01T00:00:00Z";
/// A time every test bundle is valid at.
pub const NOW: &str = "2026-03-02T09:00:00Z";

pub fn key() -> SecretKey {
    SecretKey::from_seed("ops-2026", [1; 32]).unwrap_or_else(|e| panic!("{e}"))
}

pub fn rogue_key() -> SecretKey {
    SecretKey::from_seed("rogue", [9; 32]).unwrap_or_else(|e| panic!("{e}"))
}

/// A loader that trusts `ops-2026` only, at [`NOW`].
pub fn loader() -> Loader {
    Loader::with_trust_store(TrustStore::from_keys("test keys", [key().public()])).now(time(NOW))
}

pub fn sign(bundle: &[u8]) -> Vec<u8> {
    lintas_bundle::sign(bundle, "bundle", &key(), &Limits::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn options() -> BuildOptions {
    BuildOptions {
        compiler_version: lintas_bundle::COMPILER_VERSION.into(),
        built: time(BUILT),
        expires: time("2026-06-30"),
    }
}

/// Checks the package in `dir`, which must have no errors.
pub fn check(dir: &Path) -> Program {
    let ws = lintas_load::load_paths(&[dir.to_path_buf()]).unwrap_or_else(|e| panic!("{e}"));
    let root = *ws.roots.first().unwrap_or_else(|| panic!("no package"));
    let result = lintas_check::check_package(&ws, root);
    assert!(!result.has_errors(), "{:?}", result.diagnostics);
    result.program
}

/// The limit of version `1.0.PATCH` of the generated package: a person
/// whose `n` is at least the limit is denied. 25 limits in turn, so
/// consecutive versions decide differently.
pub fn limit(patch: u64) -> i64 {
    (patch % 25) as i64
}

/// The outcome version `1.0.PATCH` gives a person with `n`.
pub fn expected(patch: u64, n: i64) -> &'static str {
    if n >= limit(patch) {
        "deny"
    } else {
        "autogate"
    }
}

/// Writes version `1.0.PATCH` of the generated package into `dir`.
pub fn write_swap_package(dir: &Path, patch: u64) {
    let limit = limit(patch);
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "lintas.toml",
        format!("[package]\nname = \"swap\"\nversion = \"1.0.{patch}\"\nedition = \"2026\"\n"),
    );
    write(
        "policy.lintas",
        format!(
            "schema Person {{\n  n: Int\n}}\n\n\
             decision admission for person: Person {{\n  outcomes deny > refer > autogate\n  default autogate\n  on error refer\n}}\n\n\
             reason OVER \"At or over this version's limit\"\n\n\
             rule over_limit for admission\n  \"Travellers at or over the limit are denied\"\n  when person.n >= {limit}\n  then deny OVER with limit = {limit}\n"
        ),
    );
}

/// Signed bundles of versions `1.0.0` to `1.0.{count-1}` of the generated
/// package, in order.
pub fn swap_bundles(count: u64) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    (0..count)
        .map(|patch| {
            write_swap_package(dir.path(), patch);
            let program = check(dir.path());
            let bundle =
                lintas_bundle::build(&program, &[], &options()).unwrap_or_else(|e| panic!("{e}"));
            sign(&bundle)
        })
        .collect()
}

/// The patch number of a `1.0.PATCH` version.
pub fn patch_of(version: &str) -> u64 {
    version
        .strip_prefix("1.0.")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected version {version}"))
}

/// Resident memory of this process, in KiB (Linux only).
pub fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The reference package, checked.
pub fn reference() -> Program {
    check(&repo_root().join("rules/reference"))
}

/// The reference package's own data files, as `lintas build` bundles them.
pub fn reference_data() -> Vec<DataFile> {
    let path = "data/lost_stolen.csv";
    vec![DataFile {
        package: "reference".into(),
        path: path.into(),
        bytes: std::fs::read(repo_root().join("rules/reference").join(path))
            .unwrap_or_else(|e| panic!("{e}")),
    }]
}

/// The reference package as a signed rule bundle.
pub fn reference_bundle() -> Vec<u8> {
    let bundle = lintas_bundle::build(&reference(), &reference_data(), &options())
        .unwrap_or_else(|e| panic!("{e}"));
    sign(&bundle)
}

/// Writes `bytes` to `dir/name` as deployments should: a hidden temporary
/// file in the same directory, written in two halves with a pause between
/// (so a watcher that read it early would see half a bundle), then renamed
/// into place.
pub fn publish(dir: &Path, name: &str, bytes: &[u8]) {
    use std::io::Write;
    let temp = dir.join(format!(".{name}.part"));
    let mut file = std::fs::File::create(&temp).unwrap_or_else(|e| panic!("{e}"));
    let (first, rest) = bytes.split_at(bytes.len() / 2);
    file.write_all(first).unwrap_or_else(|e| panic!("{e}"));
    file.flush().unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(std::time::Duration::from_millis(5));
    file.write_all(rest).unwrap_or_else(|e| panic!("{e}"));
    file.sync_all().unwrap_or_else(|e| panic!("{e}"));
    drop(file);
    std::fs::rename(&temp, dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
}
