//! Shipping rules through the command line: `lintas build` (bundles),
//! `keygen`, `sign`, `verify`, `inspect`, as an operator runs them; key
//! rotation through a trust directory; and reproducibility, proved with
//! the real binary in separate processes from copies in different
//! directories with different mtimes, time zones and umasks. The loader's
//! refusals one by one are tested in `runtime/lintas-bundle/tests/`.

use lintas_tests::{Run, binary, lintas, repo_root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

const BUILT: &str = "2026-03-01T00:00:00Z";
/// The same instant as [`BUILT`], as `SOURCE_DATE_EPOCH` gives it.
const BUILT_EPOCH: &str = "1772323200";

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn reference() -> String {
    s(&repo_root().join("rules/reference"))
}

fn build_bundle(out: &Path) -> Run {
    lintas(&[
        "build",
        &reference(),
        "-o",
        &s(out),
        "--build-time",
        BUILT,
        "--expires",
        "2026-06-30",
    ])
}

fn keygen(dir: &Path, id: &str) -> PathBuf {
    let run = lintas(&["keygen", "--out", &s(dir), "--id", id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    dir.join(format!("{id}.key"))
}

fn sign(bundle: &Path, key: &Path) -> Run {
    lintas(&["sign", &s(bundle), "--key", &s(key)])
}

fn verify(bundle: &Path, trust: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["verify".to_string(), s(bundle), "--trust".into(), s(trust)];
    // A time the bundles are valid at, unless the test gives its own.
    if !extra.contains(&"--now") {
        args.extend(["--now".into(), "2026-03-02T08:00:00+08:00".into()]);
    }
    args.extend(extra.iter().map(ToString::to_string));
    lintas(&args)
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn build_sign_verify_inspect() {
    let dir = temp();
    let bundle = dir.path().join("reference.bundle");
    let built = build_bundle(&bundle);
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert!(built.stderr.contains("unsigned"), "{}", built.stderr);

    // Unsigned: inspect shows it, verify refuses it.
    let inspected = lintas(&["inspect", &s(&bundle)]);
    assert_eq!(inspected.code, 0, "{}", inspected.stderr);
    for expected in [
        "package    reference 1.0.0",
        "expires    2026-06-30T00:00:00Z",
        "built      2026-03-01T00:00:00Z",
        "signature  none",
        "doc_validity_6m [admission] enforce deny DOC_VALIDITY_LT_6M in reference",
        "source: ASEAN Framework Agreement on Visa Exemption (2006), art. 2",
        "admission over Traveller `traveller`: deny > refer > manual > autogate",
        "set LOST_STOLEN from data/lost_stolen.csv: 4 entries",
        "program.json",
        "every file matches the manifest",
    ] {
        assert!(
            inspected.stdout.contains(expected),
            "`{expected}` in\n{}",
            inspected.stdout
        );
    }
    let trust = dir.path().join("trust");
    std::fs::create_dir(&trust).unwrap_or_else(|e| panic!("{e}"));
    let refused = verify(&bundle, &trust, &[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("error[lintas::bundle::unsigned]")
            && refused.stderr.contains("help: sign it with `lintas sign"),
        "{}",
        refused.stderr
    );

    // A key: the secret half readable by its owner only.
    let keys = dir.path().join("keys");
    let key = keygen(&keys, "ops-2026");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&keys.join("ops-2026.pub")), 0o644);
    }
    let again = lintas(&["keygen", "--out", &s(&keys), "--id", "ops-2026"]);
    assert_eq!(
        again.code, 2,
        "a key is never overwritten: {}",
        again.stdout
    );
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    let signed = sign(&bundle, &key);
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    assert!(
        signed.stdout.contains("with key `ops-2026`"),
        "{}",
        signed.stdout
    );
    let refused = verify(&bundle, &trust, &[]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("error[lintas::bundle::unknown_key]")
            && refused.stderr.contains("add `ops-2026.pub`"),
        "{}",
        refused.stderr
    );
    std::fs::copy(keys.join("ops-2026.pub"), trust.join("ops-2026.pub"))
        .unwrap_or_else(|e| panic!("{e}"));
    let accepted = verify(&bundle, &trust, &[]);
    assert_eq!(accepted.code, 0, "{}", accepted.stderr);
    assert!(
        accepted
            .stdout
            .contains("accepted: reference 1.0.0 built by lintas")
            && accepted.stdout.contains("signed by key `ops-2026`")
            && accepted.stdout.contains("native engine"),
        "{}",
        accepted.stdout
    );
    let json = verify(
        &bundle,
        &trust,
        &["--format", "json", "--engine", "interpreter"],
    )
    .json();
    assert_eq!(json["accepted"], true);
    assert_eq!(json["signed_by"], "ops-2026");
    assert_eq!(json["engine"], "interpreter");

    // Inspect now names the key, and its hashes are the files' hashes.
    let inspected = lintas(&["inspect", &s(&bundle), "--format", "json"]).json();
    assert_eq!(inspected["signed_by"], "ops-2026");
    assert_eq!(inspected["manifest"]["expires"], "2026-06-30T00:00:00Z");
    assert_eq!(
        inspected["manifest"]["ir"],
        "recomputed from program.json at load; ir.txt is the builder's text form"
    );
    let hashes = &inspected["manifest"]["files"];
    for file in [
        "program.json",
        "ir.txt",
        "data/reference/data/lost_stolen.csv",
    ] {
        assert!(
            hashes[file]["sha256"]
                .as_str()
                .is_some_and(|h| h.len() == 64),
            "{file}"
        );
    }
    let rules = inspected["manifest"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rules.len(), 10);
    let fields = &inspected["manifest"]["decisions"][0]["schema"]["records"]["Traveller"];
    assert!(
        fields.as_array().is_some_and(|f| f
            .iter()
            .any(|f| f["name"] == "visa" && f["type"] == "optional Visa")),
        "{fields}"
    );

    // Refusals that depend on the checkpoint's state.
    let expired = verify(&bundle, &trust, &["--now", "2026-07-01"]);
    assert!(
        expired.stderr.contains("error[lintas::bundle::expired]"),
        "{}",
        expired.stderr
    );
    let rollback = verify(&bundle, &trust, &["--running", "1.1.0", "--format", "json"]);
    assert_eq!(rollback.code, 1);
    assert_eq!(rollback.json()["refusal"]["kind"], "rollback");
    let downgrade = verify(
        &bundle,
        &trust,
        &["--running", "1.1.0", "--allow-downgrade"],
    );
    assert_eq!(downgrade.code, 0, "{}", downgrade.stderr);
    let wasm = verify(&bundle, &trust, &["--engine", "wasm"]);
    assert!(wasm.stderr.contains("issue 5"), "{}", wasm.stderr);
}

#[test]
fn a_bundle_needs_an_output_an_expiry_and_a_build_time_never_the_clock() {
    let dir = temp();
    let out = s(&dir.path().join("x.bundle"));
    let package = reference();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--build-time", BUILT, "--expires", "2026-06-30"],
            "-o NAME.bundle",
        ),
        (&["-o", &out, "--build-time", BUILT], "--expires DATE"),
        (
            &[
                "-o",
                &out,
                "--build-time",
                "yesterday",
                "--expires",
                "2026-06-30",
            ],
            "`--build-time`",
        ),
    ];
    for (args, expected) in cases {
        let mut argv = vec!["build", &package];
        argv.extend_from_slice(args);
        let run = lintas(&argv);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    // Without `--build-time`, only `SOURCE_DATE_EPOCH` will do (a child
    // process, so this test's environment stays as it is).
    let output = Command::new(binary())
        .args(["build", &package, "-o", &out, "--expires", "2026-06-30"])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("never taken from the clock") && stderr.contains("SOURCE_DATE_EPOCH"),
        "{stderr}"
    );
    assert!(!dir.path().join("x.bundle").exists());
}

#[test]
fn keys_rotate_by_adding_and_removing_public_key_files() {
    let dir = temp();
    let keys = dir.path().join("keys");
    let trust = dir.path().join("trust");
    std::fs::create_dir(&trust).unwrap_or_else(|e| panic!("{e}"));
    let old = keygen(&keys, "ops-2025");
    let new = keygen(&keys, "ops-2026");
    let trust_key = |id: &str| {
        std::fs::copy(
            keys.join(format!("{id}.pub")),
            trust.join(format!("{id}.pub")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    };
    let by_old = dir.path().join("old.bundle");
    let by_new = dir.path().join("new.bundle");
    for (bundle, key) in [(&by_old, &old), (&by_new, &new)] {
        assert_eq!(build_bundle(bundle).code, 0);
        assert_eq!(sign(bundle, key).code, 0);
    }
    let code = |bundle: &Path| verify(bundle, &trust, &[]).code;
    trust_key("ops-2025");
    assert_eq!((code(&by_old), code(&by_new)), (0, 1));
    // Step 1 of a rotation: the new key is trusted beside the old one.
    trust_key("ops-2026");
    assert_eq!((code(&by_old), code(&by_new)), (0, 0));
    // Step 2: the old key is retired.
    std::fs::remove_file(trust.join("ops-2025.pub")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((code(&by_old), code(&by_new)), (1, 0));
    let refused = verify(&by_old, &trust, &[]);
    assert!(
        refused.stderr.contains("signed with key `ops-2025`")
            && refused.stderr.contains("it trusts: ops-2026"),
        "{}",
        refused.stderr
    );
    // Re-signing with the new key brings an old bundle back.
    assert_eq!(sign(&by_old, &new).code, 0);
    assert_eq!(code(&by_old), 0);
}

#[test]
fn inspect_and_verify_refuse_a_tampered_bundle() {
    let dir = temp();
    let bundle = dir.path().join("reference.bundle");
    assert_eq!(build_bundle(&bundle).code, 0);
    // Repack with standard tools after changing a data file, as an
    // attacker with `tar` would.
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap_or_else(|e| panic!("{e}"));
    let tar = |args: &[&str]| {
        let status = Command::new("tar")
            .args(args)
            .current_dir(&unpacked)
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success(), "tar {args:?}");
    };
    tar(&["-xzf", &s(&bundle)]);
    let csv = unpacked.join("data/reference/data/lost_stolen.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap_or_else(|e| panic!("{e}"));
    text.push_str("Z9999999,IDN,2026-02-01\n");
    std::fs::write(&csv, text).unwrap_or_else(|e| panic!("{e}"));
    let tampered = dir.path().join("tampered.bundle");
    tar(&[
        "-czf",
        &s(&tampered),
        "manifest.json",
        "program.json",
        "ir.txt",
        "data",
    ]);
    let inspected = lintas(&["inspect", &s(&tampered)]);
    assert_eq!(inspected.code, 1, "{}", inspected.stdout);
    assert!(
        inspected
            .stderr
            .contains("error[lintas::bundle::tampered_file]: bundle")
            && inspected
                .stderr
                .contains("`data/reference/data/lost_stolen.csv` does not match"),
        "{}",
        inspected.stderr
    );
    let key = keygen(&dir.path().join("keys"), "ops-2026");
    let signed = sign(&tampered, &key);
    assert_eq!(
        signed.code, 1,
        "signing vouches for the files: {}",
        signed.stdout
    );
}

/// Copies a directory tree, giving every copied file and directory the
/// modification time `mtime`.
fn copy_tree(from: &Path, to: &Path, mtime: SystemTime) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}"));
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target, mtime);
        } else {
            std::fs::copy(&path, &target).unwrap_or_else(|e| panic!("{e}"));
            std::fs::File::options()
                .write(true)
                .open(&target)
                .and_then(|f| f.set_modified(mtime))
                .unwrap_or_else(|e| panic!("{}: {e}", target.display()));
        }
    }
}

/// Runs the real `lintas` binary in its own process, under `umask`, in
/// `cwd`, with `env` set.
fn process(args: &[&str], cwd: &Path, umask: &str, env: &[(&str, &str)]) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(binary())
        .args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "lintas {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn bundles_are_byte_identical_across_directories_mtimes_time_zones_umasks_and_processes() {
    let dir = temp();
    let a = dir.path().join("a/deeply/nested/checkout");
    let b = dir.path().join("b");
    let day = Duration::from_secs(86_400);
    copy_tree(
        &repo_root().join("rules/reference"),
        &a.join("reference"),
        SystemTime::UNIX_EPOCH + day * 20_000,
    );
    copy_tree(
        &repo_root().join("rules/reference"),
        &b.join("rules-copy"),
        SystemTime::UNIX_EPOCH + day * 3,
    );
    // The first from inside its checkout, with a relative package path, in
    // Singapore, umask 022, the build time as an RFC 3339 local time.
    process(
        &[
            "build",
            "reference",
            "-o",
            "out.bundle",
            "--build-time",
            "2026-03-01T08:00:00+08:00",
            "--expires",
            "2026-06-30",
        ],
        &a,
        "022",
        &[("TZ", "Asia/Singapore")],
    );
    // The second from elsewhere, with an absolute path, in Los Angeles,
    // umask 077, the build time from SOURCE_DATE_EPOCH.
    let second = dir.path().join("second.bundle");
    process(
        &[
            "build",
            &s(&b.join("rules-copy")),
            "-o",
            &s(&second),
            "--expires",
            "2026-06-30T00:00:00Z",
        ],
        dir.path(),
        "077",
        &[
            ("TZ", "America/Los_Angeles"),
            ("SOURCE_DATE_EPOCH", BUILT_EPOCH),
        ],
    );
    let read = |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let first = a.join("out.bundle");
    assert!(!read(&first).is_empty());
    assert!(read(&first) == read(&second), "the two builds differ");

    // Signing is deterministic too: each copy signed in its own process.
    let keys = dir.path().join("keys");
    let key = keygen(&keys, "ops-2026");
    process(
        &["sign", "out.bundle", "--key", &s(&key)],
        &a,
        "022",
        &[("TZ", "UTC")],
    );
    process(
        &["sign", &s(&second), "--key", &s(&key)],
        &b,
        "077",
        &[("TZ", "Pacific/Kiritimati")],
    );
    assert!(
        read(&first) == read(&second),
        "the two signed bundles differ"
    );

    // And the comparison can fail: another build time gives other bytes.
    let third = dir.path().join("third.bundle");
    process(
        &[
            "build",
            &s(&b.join("rules-copy")),
            "-o",
            &s(&third),
            "--build-time",
            "2026-03-01T00:00:01Z",
            "--expires",
            "2026-06-30",
        ],
        dir.path(),
        "022",
        &[],
    );
    // (In-process this time: the same build as the two above, unsigned.)
    let again = dir.path().join("again.bundle");
    assert_eq!(build_bundle(&again).code, 0);
    assert!(
        read(&third) != read(&again),
        "the build time is in the bundle"
    );
}

/// The commands of the README's "Shipping rules" blocks, run as written
/// with the real binary in a scratch directory: package paths point into
/// this repository, the checkpoint's trust directory is a scratch one, and
/// `verify` judges expiry and data freshness at a fixed time (the blocks'
/// bundles expire; the clock moves on).
#[test]
fn the_readme_shipping_commands_run_as_written() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap_or_default();
    let section = readme
        .split("## Shipping rules")
        .nth(1)
        .unwrap_or_else(|| panic!("README.md has no `Shipping rules` section"));
    // Every ```sh block of the section, in order, in one scratch directory:
    // the data bundle block uses the key and rule bundle made before it.
    let section = section.split("\n## ").next().unwrap_or_default();
    let blocks: Vec<&str> = section
        .split("```sh\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert_eq!(blocks.len(), 2, "the section's ```sh blocks changed");
    let dir = temp();
    let trust = dir.path().join("trust");
    let mut ran = Vec::new();
    for line in blocks
        .iter()
        .flat_map(|b| b.lines())
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut words: Vec<String> = line
            .split_whitespace()
            .map(|w| {
                if w.starts_with("rules/") {
                    s(&repo_root().join(w))
                } else if w == "/etc/lintas/trust" {
                    s(&trust)
                } else {
                    w.to_string()
                }
            })
            .collect();
        assert_eq!(words.first().map(String::as_str), Some("lintas"), "{line}");
        words.remove(0);
        let command = words.first().cloned().unwrap_or_default();
        if command == "verify" {
            // The checkpoint trusts the key made above.
            std::fs::create_dir_all(&trust).unwrap_or_else(|e| panic!("{e}"));
            std::fs::copy(
                dir.path().join("keys/ops-2026.pub"),
                trust.join("ops-2026.pub"),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            // After the data block's issue time, before its `valid_until`.
            words.extend(["--now".to_string(), "2026-11-02T09:00:00Z".to_string()]);
        }
        let output = Command::new(binary())
            .args(&words)
            .current_dir(dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            output.status.success(),
            "`{line}` failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        ran.push(command);
    }
    assert_eq!(
        ran,
        [
            "keygen", "build", "sign", "verify", "inspect", // rules
            "build", "sign", "inspect", "verify", // data
        ]
    );
}

fn build_data(out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "build".to_string(),
        reference(),
        "--emit".into(),
        "data".into(),
        "-o".into(),
        s(out),
        "--build-time".into(),
        "2026-03-02T08:00:00Z".into(),
    ];
    args.extend(extra.iter().map(ToString::to_string));
    lintas(&args)
}

#[test]
fn data_bundles_build_sign_inspect_and_verify_like_rule_bundles() {
    let dir = temp();
    let key = keygen(dir.path(), "ops-2026");
    let trust = dir.path().join("trust");
    std::fs::create_dir_all(&trust).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(dir.path().join("ops-2026.pub"), trust.join("ops-2026.pub"))
        .unwrap_or_else(|e| panic!("{e}"));
    let rules = dir.path().join("reference.bundle");
    assert_eq!(build_bundle(&rules).code, 0);
    assert_eq!(sign(&rules, &key).code, 0);

    // A data bundle needs its validity, and names only what the rules read
    // from data files.
    let data = dir.path().join("lost-stolen.bundle");
    let run = build_data(&data, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--valid-until"), "{}", run.stderr);
    let run = build_data(
        &data,
        &[
            "--valid-until",
            "2026-03-02T14:00:00Z",
            "--table",
            "ASEAN_MEMBERS",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("inline"), "{}", run.stderr);
    let run = build_data(
        &data,
        &["--valid-until", "2026-03-02T14:00:00Z", "--table", "NOPE"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("LOST_STOLEN"), "{}", run.stderr);

    let valid = [
        "--valid-until",
        "2026-03-02T14:00:00Z",
        "--name",
        "lost-stolen",
    ];
    let run = build_data(&data, &valid);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Reproducible, like a rule bundle.
    let again = dir.path().join("again.bundle");
    assert_eq!(build_data(&again, &valid).code, 0);
    let read = |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read(&data), read(&again));

    let run = sign(&data, &key);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = lintas(&["inspect", &s(&data)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "name       lost-stolen",
        "for        reference ^1.0.0",
        "valid until 2026-03-02T14:00:00Z",
        "signature  key `ops-2026`",
        "set LOST_STOLEN from data/reference/data/lost_stolen.csv, column `document_number`: 4 entries",
        "every file matches the manifest",
    ] {
        assert!(
            run.stdout.contains(expected),
            "`{expected}` missing:\n{}",
            run.stdout
        );
    }
    let run = verify(&data, &trust, &["--rules", &s(&rules)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("applied to reference 1.0.0"),
        "{}",
        run.stdout
    );
    let run = verify(&data, &trust, &["--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    assert_eq!(report["kind"], "data");
    assert_eq!(report["replaces"], serde_json::json!(["LOST_STOLEN"]));
    // Stale on arrival.
    let run = verify(&data, &trust, &["--now", "2026-03-02T14:00:00Z"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("lintas::bundle::data_expired"),
        "{}",
        run.stderr
    );
    // A data bundle where the rules are expected.
    let run = lintas(&[
        "verify",
        &s(&data),
        "--trust",
        &s(&trust),
        "--now",
        "2026-03-02T09:00:00Z",
        "--rules",
        &s(&data),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("lintas::bundle::wrong_kind"),
        "{}",
        run.stderr
    );
}
