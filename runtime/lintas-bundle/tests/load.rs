//! Loading bundles through the library, as a checkpoint does: every
//! refusal with its own error (naming the file or key), compatibility,
//! expiry and rollback, the engines, and a loaded bundle deciding the
//! reference sample exactly like the interpreter on the source package.

#![allow(clippy::panic, reason = "tests report failures by panicking")]

use lintas_bundle::archive::{self, Files, Limits, MANIFEST, SIGNATURE};
use lintas_bundle::{
    BuildOptions, BundleError, DataFile, Engine, Loader, SecretKey, Timestamp, TrustStore,
};
use lintas_check::hir::Program;
use semver::Version;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The reference package, checked once for every test.
fn reference() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let ws = lintas_load::load_paths(&[repo_root().join("rules/reference")])
            .unwrap_or_else(|e| panic!("{e}"));
        let root = *ws.roots.first().unwrap_or_else(|| panic!("no package"));
        let result = lintas_check::check_package(&ws, root);
        assert!(
            result
                .diagnostics
                .iter()
                .all(|d| d.severity != lintas_syntax::Severity::Error),
            "{:?}",
            result.diagnostics
        );
        result.program
    })
}

fn time(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn options(compiler_version: &str) -> BuildOptions {
    BuildOptions {
        compiler_version: compiler_version.into(),
        built: time("2026-03-01T00:00:00Z"),
        expires: time("2026-06-30"),
    }
}

fn data() -> Vec<DataFile> {
    let path = "data/lost_stolen.csv";
    vec![DataFile {
        package: "reference".into(),
        path: path.into(),
        bytes: std::fs::read(repo_root().join("rules/reference").join(path))
            .unwrap_or_else(|e| panic!("{e}")),
    }]
}

fn unsigned_with(program: &Program, compiler_version: &str) -> Vec<u8> {
    lintas_bundle::build(program, &data(), &options(compiler_version))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn unsigned() -> Vec<u8> {
    unsigned_with(reference(), lintas_bundle::COMPILER_VERSION)
}

fn key(id: &str, seed: u8) -> SecretKey {
    SecretKey::from_seed(id, [seed; 32]).unwrap_or_else(|e| panic!("{e}"))
}

fn sign(bundle: &[u8], key: &SecretKey) -> Vec<u8> {
    lintas_bundle::sign(bundle, "bundle", key, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn signed() -> Vec<u8> {
    sign(&unsigned(), &key("ops-2026", 1))
}

/// A loader that trusts `ops-2026` only, at a time the bundles are valid.
fn loader() -> Loader {
    Loader::with_trust_store(TrustStore::from_keys(
        "test keys",
        [key("ops-2026", 1).public()],
    ))
    .now(time("2026-03-02T09:00:00Z"))
}

fn refusal(result: Result<lintas_bundle::LoadedBundle, BundleError>) -> BundleError {
    match result {
        Ok(loaded) => panic!("accepted: {loaded:?}"),
        Err(e) => e,
    }
}

fn files(bundle: &[u8]) -> Files {
    archive::read(bundle, "bundle", &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn repack(files: &Files) -> Vec<u8> {
    archive::write(files).unwrap_or_else(|e| panic!("{e}"))
}

/// The bundle with one file changed, everything else (signature included)
/// as it was.
fn with_file(bundle: &[u8], path: &str, change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut files = files(bundle);
    change(files.entry(path.to_string()).or_default());
    repack(&files)
}

/// Replaces `what` with `with` in a file's text.
fn edit(what: &str, with: &str) -> impl FnOnce(&mut Vec<u8>) {
    let (what, with) = (what.to_string(), with.to_string());
    move |bytes| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        assert!(text.contains(&what), "`{what}` is not in the file");
        *bytes = text.replacen(&what, &with, 1).into_bytes();
    }
}

/// A manifest changed and signed again by `key`, bypassing the checks
/// `lintas_bundle::sign` makes: what a trusted but careless (or newer)
/// builder could produce.
fn resigned_manifest(bundle: &[u8], key: &SecretKey, change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut files = files(bundle);
    let manifest = files.entry(MANIFEST.to_string()).or_default();
    change(manifest);
    let signature = serde_json::to_vec(&key.sign(manifest)).unwrap_or_default();
    files.insert(SIGNATURE.to_string(), signature);
    repack(&files)
}

#[test]
fn a_signed_bundle_loads_and_says_what_it_is() {
    let loaded = loader()
        .load(&signed(), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.signed_by, "ops-2026");
    assert_eq!(loaded.version, Version::new(1, 0, 0));
    assert_eq!(loaded.engine(), Engine::Native);
    assert!(loaded.native().is_some());
    assert_eq!(loaded.manifest.package.name, "reference");
    assert_eq!(
        loaded.manifest.compiler.version,
        lintas_bundle::COMPILER_VERSION
    );
    assert_eq!(loaded.manifest.expires, "2026-06-30T00:00:00Z");
    assert_eq!(&loaded.program, reference(), "program.json round-trips");
    let ids: Vec<&str> = loaded
        .manifest
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert!(ids.contains(&"doc_validity_6m"), "{ids:?}");
    let mut listed: Vec<&str> = loaded.manifest.files.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        [
            "data/reference/data/lost_stolen.csv",
            "ir.txt",
            "program.json"
        ]
    );
}

#[test]
fn unsigned_is_refused() {
    let e = refusal(loader().load(&unsigned(), None));
    assert!(matches!(e, BundleError::Unsigned { .. }), "{e:?}");
    assert!(e.to_string().contains("manifest.sig"), "{e}");
}

#[test]
fn a_key_the_checkpoint_does_not_trust_is_refused() {
    let bundle = sign(&unsigned(), &key("rogue", 9));
    let e = refusal(loader().load(&bundle, None));
    assert!(
        matches!(&e, BundleError::UnknownKey { key_id, trusted, .. } if key_id == "rogue" && trusted == "ops-2026"),
        "{e:?}"
    );
    // A different key that claims a trusted id fails the signature check.
    let impostor = sign(&unsigned(), &key("ops-2026", 2));
    let e = refusal(loader().load(&impostor, None));
    assert!(
        matches!(&e, BundleError::BadSignature { key_id, .. } if key_id == "ops-2026"),
        "{e:?}"
    );
}

#[test]
fn a_tampered_manifest_is_refused() {
    // Moving the expiry after signing: the hashes still match the files,
    // only the signature can tell.
    let bundle = with_file(&signed(), MANIFEST, edit("2026-06-30", "2036-06-30"));
    let e = refusal(loader().load(&bundle, None));
    assert!(matches!(e, BundleError::BadSignature { .. }), "{e:?}");
    let bundle = with_file(
        &signed(),
        SIGNATURE,
        edit("\"signature\": \"", "\"signature\": \"00"),
    );
    let e = refusal(loader().load(&bundle, None));
    assert!(matches!(e, BundleError::BadSignature { .. }), "{e:?}");
}

#[test]
fn a_tampered_file_is_refused_by_name() {
    let signed = signed();
    for (file, change) in [
        (
            "program.json",
            edit("\"version\":\"1.0.0\"", "\"version\":\"1.0.1\""),
        ),
        (
            "data/reference/data/lost_stolen.csv",
            edit("\n", "\nX1234567,IDN,2026-01-01\n"),
        ),
        ("ir.txt", edit("module", "module ")),
    ] {
        let e = refusal(loader().load(&with_file(&signed, file, change), None));
        assert!(
            matches!(&e, BundleError::TamperedFile { file: f, .. } if f == file),
            "{file}: {e:?}"
        );
        assert!(e.to_string().contains(file), "{e}");
    }
    let mut removed = files(&signed);
    removed.remove("ir.txt");
    let e = refusal(loader().load(&repack(&removed), None));
    assert!(
        matches!(&e, BundleError::MissingFile { file, .. } if file == "ir.txt"),
        "{e:?}"
    );
    let added = with_file(&signed, "data/reference/extra.csv", |b| b.extend(b"a\n"));
    let e = refusal(loader().load(&added, None));
    assert!(
        matches!(&e, BundleError::UnlistedFile { file, .. } if file == "data/reference/extra.csv"),
        "{e:?}"
    );
}

#[test]
fn truncated_and_corrupt_archives_are_refused() {
    let bundle = signed();
    for len in [
        0,
        1,
        10,
        bundle.len() / 2,
        bundle.len() - 9,
        bundle.len() - 1,
    ] {
        let e = refusal(loader().load(bundle.get(..len).unwrap_or_default(), None));
        assert!(
            matches!(e, BundleError::Truncated { .. }),
            "cut at {len}: {e:?}"
        );
    }
    let mut flipped = bundle.clone();
    let middle = flipped.len() / 2;
    if let Some(b) = flipped.get_mut(middle) {
        *b ^= 0x55;
    }
    let e = refusal(loader().load(&flipped, None));
    assert!(matches!(e, BundleError::Corrupt { .. }), "{e:?}");
    let e = refusal(loader().load(&b"PK\x03\x04 a zip file"[..], None));
    assert!(matches!(e, BundleError::Corrupt { .. }), "{e:?}");
    let mut appended = bundle;
    appended.extend_from_slice(b"trailing");
    let e = refusal(loader().load(&appended, None));
    assert!(matches!(e, BundleError::Corrupt { .. }), "{e:?}");
}

#[test]
fn an_expired_bundle_is_refused() {
    let bundle = signed();
    let late = loader().now(time("2026-06-30T00:00:00Z"));
    let e = refusal(late.load(&bundle, None));
    assert!(
        matches!(&e, BundleError::Expired { expires, .. } if expires == "2026-06-30T00:00:00Z"),
        "{e:?}"
    );
    assert!(e.to_string().contains("reference 1.0.0"), "{e}");
    let just_in_time = loader().now(time("2026-06-29T23:59:59Z"));
    assert!(just_in_time.load(&bundle, None).is_ok());
}

#[test]
fn an_older_version_is_refused_unless_a_downgrade_is_allowed() {
    let bundle = signed();
    let running = Version::new(1, 2, 0);
    let e = refusal(loader().load(&bundle, Some(&running)));
    assert!(
        matches!(&e, BundleError::Rollback { version, running, .. } if version == "1.0.0" && running == "1.2.0"),
        "{e:?}"
    );
    assert!(e.to_string().contains("rollback"), "{e}");
    let allowed = loader().allow_downgrade(true);
    assert!(allowed.load(&bundle, Some(&running)).is_ok());
    // The same version again (a re-signed or re-delivered bundle) and a
    // newer one are not rollbacks.
    assert!(loader().load(&bundle, Some(&Version::new(1, 0, 0))).is_ok());
    assert!(loader().load(&bundle, Some(&Version::new(0, 9, 0))).is_ok());
}

#[test]
fn an_incompatible_compiler_or_format_is_refused() {
    let ops = key("ops-2026", 1);
    let running = Version::parse(lintas_bundle::COMPILER_VERSION).unwrap_or_else(|e| panic!("{e}"));
    let other_major = format!("{}.0.0", running.major + 1);
    let other_minor = format!("{}.{}.0", running.major, running.minor + 1);
    let same_minor = format!("{}.{}.{}", running.major, running.minor, running.patch + 7);
    for (version, accepted) in [
        (other_major.as_str(), false),
        // Before 1.0 the minor version is the breaking one.
        (other_minor.as_str(), running.major != 0),
        (same_minor.as_str(), true),
    ] {
        let bundle = sign(&unsigned_with(reference(), version), &ops);
        match loader().load(&bundle, None) {
            Ok(_) => assert!(accepted, "{version} was accepted"),
            Err(BundleError::IncompatibleCompiler { built_by, .. }) => {
                assert!(!accepted, "{version} was refused");
                assert_eq!(built_by, format!("lintas {version}"));
            }
            Err(e) => panic!("{version}: {e:?}"),
        }
    }
    let bundle = resigned_manifest(&signed(), &ops, edit("\"format\": 1", "\"format\": 2"));
    let e = refusal(loader().load(&bundle, None));
    assert!(
        matches!(&e, BundleError::IncompatibleFormat { found, supported: 1, .. } if found == "2"),
        "{e:?}"
    );
}

#[test]
fn a_manifest_that_disagrees_with_its_program_is_refused() {
    let ops = key("ops-2026", 1);
    let bundle = resigned_manifest(
        &signed(),
        &ops,
        edit("\"version\": \"1.0.0\"", "\"version\": \"9.0.0\""),
    );
    let e = refusal(loader().load(&bundle, None));
    assert!(
        matches!(&e, BundleError::Malformed { file, .. } if file == "program.json"),
        "{e:?}"
    );
}

#[test]
fn each_refusal_has_its_own_kind() {
    let kinds = [
        "truncated",
        "corrupt",
        "unsigned",
        "unknown_key",
        "bad_signature",
        "tampered_file",
        "expired",
        "rollback",
        "incompatible_compiler",
        "incompatible_format",
    ];
    let bundle = signed();
    let ops = key("ops-2026", 1);
    let found = [
        loader().load(bundle.get(..100).unwrap_or_default(), None),
        loader().load(&b"not a bundle"[..], None),
        loader().load(&unsigned(), None),
        loader().load(&sign(&unsigned(), &key("rogue", 9)), None),
        loader().load(
            &with_file(&bundle, MANIFEST, edit("2026-06-30", "2036-06-30")),
            None,
        ),
        loader().load(
            &with_file(&bundle, "ir.txt", edit("module", "module ")),
            None,
        ),
        loader().now(time("2027-01-01")).load(&bundle, None),
        loader().load(&bundle, Some(&Version::new(2, 0, 0))),
        loader().load(&sign(&unsigned_with(reference(), "99.0.0"), &ops), None),
        loader().load(
            &resigned_manifest(&bundle, &ops, edit("\"format\": 1", "\"format\": 2")),
            None,
        ),
    ]
    .map(|r| refusal(r).kind());
    assert_eq!(found, kinds);
    let mut unique = kinds.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), kinds.len());
}

#[test]
fn the_wasm_engine_is_refused_with_its_issue() {
    let e = refusal(loader().engine(Engine::Wasm).load(&signed(), None));
    assert!(matches!(e, BundleError::EngineUnavailable { .. }), "{e:?}");
    assert!(e.to_string().contains("issue 5"), "{e}");
}

#[test]
fn a_loaded_bundle_decides_the_sample_like_the_interpreter_on_the_source() {
    let source = reference();
    let interpreter = lintas_eval::Interpreter::new(source);
    let context_json = serde_json::json!({ "date": "2026-03-01", "member": "SGP" });
    let context = interpreter
        .context_from_json(&context_json)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let decision = interpreter
        .decision_index("admission")
        .unwrap_or_else(|| panic!("no admission decision"));
    let sample =
        std::fs::read_to_string(repo_root().join("rules/reference/sample/travellers.jsonl"))
            .unwrap_or_else(|e| panic!("{e}"));
    let records: Vec<&str> = sample.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(records.len() >= 100, "{}", records.len());
    let expected: Vec<_> = records
        .iter()
        .map(|r| {
            interpreter.decide_json(decision, r, &context, lintas_eval::DecodeOptions::default())
        })
        .collect();
    let outcomes: std::collections::BTreeSet<&str> =
        expected.iter().map(|r| r.outcome.as_str()).collect();
    assert!(
        outcomes.len() >= 3,
        "the sample exercises few outcomes: {outcomes:?}"
    );
    let bundle = signed();
    for engine in [Engine::Native, Engine::Interpreter] {
        let loaded = loader()
            .engine(engine)
            .load(&bundle, None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.engine(), engine);
        assert_eq!(loaded.decision_index("admission"), Some(decision));
        let context = loaded
            .context_from_json(&context_json)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let mut decider = loaded.decider();
        for (record, expected) in records.iter().zip(&expected) {
            let got = decider.decide_json(decision, record, &context);
            assert_eq!(&got, expected, "{engine:?} on {record}");
        }
    }
}

#[test]
fn key_rotation_through_the_trust_directory() {
    let trust = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |key: &SecretKey| {
        std::fs::write(
            trust.path().join(format!("{}.pub", key.id())),
            key.public().to_file(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let (old, new) = (key("ops-2025", 3), key("ops-2026", 4));
    write(&old);
    let loader = Loader::new(trust.path()).now(time("2026-03-02"));
    let by_old = sign(&unsigned(), &old);
    let by_new = sign(&unsigned(), &new);
    assert!(loader.load(&by_old, None).is_ok());
    let e = refusal(loader.load(&by_new, None));
    assert!(matches!(e, BundleError::UnknownKey { .. }), "{e:?}");
    // The new key is added: both are accepted, with the same loader (the
    // directory is read at every load, no restart).
    write(&new);
    assert_eq!(
        loader.load(&by_new, None).map(|l| l.signed_by).ok(),
        Some("ops-2026".to_string())
    );
    assert!(loader.load(&by_old, None).is_ok());
    // The old key is removed: only the new one is accepted.
    std::fs::remove_file(trust.path().join("ops-2025.pub")).unwrap_or_else(|e| panic!("{e}"));
    let e = refusal(loader.load(&by_old, None));
    assert!(
        matches!(&e, BundleError::UnknownKey { key_id, trusted, .. } if key_id == "ops-2025" && trusted == "ops-2026"),
        "{e:?}"
    );
    assert!(loader.load(&by_new, None).is_ok());
    // A key file named for another id is refused, never guessed at.
    std::fs::write(trust.path().join("misnamed.pub"), old.public().to_file())
        .unwrap_or_else(|e| panic!("{e}"));
    let e = refusal(loader.load(&by_new, None));
    assert!(
        matches!(&e, BundleError::Trust { message, .. } if message.contains("misnamed.pub")),
        "{e:?}"
    );
}

#[test]
fn building_and_signing_are_deterministic() {
    let a = unsigned();
    assert_eq!(a, unsigned());
    let ops = key("ops-2026", 1);
    assert_eq!(sign(&a, &ops), sign(&a, &ops));
    // Re-signing replaces the signature rather than adding a second one.
    let other = key("ops-2027", 5);
    let twice = sign(&sign(&a, &ops), &other);
    assert_eq!(twice, sign(&a, &other));
}

#[test]
fn signing_refuses_a_bundle_whose_files_do_not_match() {
    let tampered = with_file(&unsigned(), "ir.txt", edit("module", "module "));
    let e = lintas_bundle::sign(&tampered, "bundle", &key("ops-2026", 1), &Limits::default());
    assert!(
        matches!(&e, Err(BundleError::TamperedFile { file, .. }) if file == "ir.txt"),
        "{e:?}"
    );
}

#[test]
fn a_build_that_would_be_born_expired_is_refused() {
    let options = BuildOptions {
        expires: time("2026-03-01T00:00:00Z"),
        ..options(lintas_bundle::COMPILER_VERSION)
    };
    let e = lintas_bundle::build(reference(), &data(), &options);
    assert!(matches!(e, Err(BundleError::Build { .. })), "{e:?}");
}
