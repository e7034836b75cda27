//! Dropping a compiled rule set frees its code: a checkpoint that swaps
//! rule sets for months must not grow.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests report failures by panicking"
)]

use std::path::Path;

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn compiling_and_dropping_rule_sets_keeps_memory_flat() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/reference");
    let ws = lintas_load::load_paths(&[dir]).expect("load");
    let root = *ws.roots.first().expect("a package");
    let program = lintas_check::check_package(&ws, root).program;
    let swap = |n: usize| {
        for _ in 0..n {
            let native = lintas_jit::Native::compile(&program).expect("compile");
            assert!(native.decision_index("admission").is_some());
        }
    };
    swap(20);
    let Some(before) = resident_kib() else {
        return; // Not Linux: nothing to measure with.
    };
    swap(1000);
    let after = resident_kib().unwrap_or(before);
    eprintln!("resident memory: {before} KiB before, {after} KiB after 1,000 swaps");
    // Each compiled set maps well over 100 KiB of code and data; keeping
    // 1,000 of them would add tens of MiB.
    assert!(
        after.saturating_sub(before) < 4 * 1024,
        "resident memory grew from {before} KiB to {after} KiB over 1000 swaps"
    );
}
