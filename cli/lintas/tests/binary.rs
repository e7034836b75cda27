//! The `lintas` executable itself: exit codes and streams as a shell sees
//! them. (Everything else is tested in-process in the `tests` crate; this
//! file also makes `cargo test` build the executable those tests start.)

use std::process::Command;

fn lintas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lintas"))
}

#[test]
fn version_and_usage_errors_use_the_documented_exit_codes() {
    let version = lintas()
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("lintas "));
    let usage = lintas()
        .arg("no-such-command")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(usage.status.code(), Some(2));
    let missing = lintas()
        .args(["check", "/no/such/dir"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file or directory"));
}

#[test]
fn eval_reads_standard_input() {
    use std::io::Write;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/reference");
    let mut child = lintas()
        .args(["eval", root, "--date", "2026-03-01", "--member", "SGP"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"{\"name\": \"broken\"}\n");
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"outcome\":\"refer\"") && text.contains("INPUT_INVALID"),
        "{text}"
    );
}
