//! Hot reload under load: threads decide without pause while a thousand
//! rule bundles, each deciding differently, are swapped in. Every result
//! comes from exactly one version, no caller ever sees a version go back,
//! no evaluation fails, every replaced bundle is freed once its last
//! evaluation ends, and resident memory stays flat.
//!
//! Its own test binary, so that no other test's allocations blur the
//! memory measurement. `LINTAS_HOT_SWAPS` sets the number of swaps (1,000
//! by default; at least 25).

#![allow(clippy::panic, reason = "tests report failures by panicking")]

mod common;

use common::{expected, loader, patch_of, resident_kib, swap_bundles};
use lintas_bundle::{Reload, Serving};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

/// What one evaluating thread saw.
#[derive(Default)]
struct Seen {
    evaluations: u64,
    versions: BTreeSet<u64>,
    /// For each `n`, the outcomes it got.
    outcomes: BTreeMap<i64, BTreeSet<String>>,
}

fn evaluate_until(serving: &Serving, stop: &AtomicBool, thread: i64) -> Seen {
    let mut seen = Seen::default();
    let mut last = 0;
    let mut n = thread;
    let context_json = serde_json::json!({ "date": "2026-03-01", "member": "SGP" });
    while !stop.load(Ordering::Relaxed) {
        // One snapshot per evaluation batch: everything below uses it.
        let Some(bundle) = serving.current() else {
            panic!("nothing serving");
        };
        let patch = bundle.version.patch;
        assert!(
            patch >= last,
            "thread {thread} saw version 1.0.{patch} after 1.0.{last}"
        );
        last = patch;
        seen.versions.insert(patch);
        let context = bundle
            .context_from_json(&context_json)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let decision = bundle
            .decision_index("admission")
            .unwrap_or_else(|| panic!("no decision"));
        let mut decider = bundle.decider();
        for _ in 0..4 {
            n = (n + 7) % 25;
            let result = decider.decide_json(decision, &format!("{{\"n\":{n}}}"), &context);
            assert!(result.errors.is_empty(), "failed: {result:?}");
            // The result names one version, and its outcome is that
            // version's: a mix of two bundles would show here.
            assert_eq!(result.version, bundle.version.to_string());
            assert_eq!(
                result.outcome,
                expected(patch_of(&result.version), n),
                "n = {n} under {}",
                result.version
            );
            seen.outcomes
                .entry(n)
                .or_default()
                .insert(result.outcome.clone());
            seen.evaluations += 1;
        }
    }
    seen
}

#[test]
fn evaluations_see_one_version_each_while_bundles_are_swapped_in() {
    let swaps: u64 = std::env::var("LINTAS_HOT_SWAPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
        .max(25);
    let warmup = 25;
    let started = Instant::now();
    let bundles = swap_bundles(warmup + swaps + 1);
    let built = started.elapsed();
    let serving = Serving::new(loader());
    let Some((first, rest)) = bundles.split_first() else {
        panic!("no bundles");
    };
    serving
        .install_rules(first, "1.0.0")
        .unwrap_or_else(|e| panic!("{e}"));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let serving = serving.clone();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || evaluate_until(&serving, &stop, t))
        })
        .collect();
    let mut replaced: Vec<Weak<lintas_bundle::LoadedBundle>> = Vec::new();
    let mut before = None;
    let swapping = Instant::now();
    for (i, bytes) in rest.iter().enumerate() {
        let patch = i as u64 + 1;
        if patch == warmup {
            // Allocator arenas, thread stacks and caches have settled.
            before = resident_kib();
        }
        if let Some(current) = serving.current() {
            replaced.push(Arc::downgrade(&current));
        }
        match serving.install_rules(bytes, &format!("1.0.{patch}")) {
            Ok(Reload::Swapped { to, .. }) => assert_eq!(to.patch, patch),
            other => panic!("1.0.{patch}: {other:?}"),
        }
    }
    let swap_time = swapping.elapsed();
    let after = resident_kib();
    stop.store(true, Ordering::Relaxed);
    let seen: Vec<Seen> = threads
        .into_iter()
        .map(|t| {
            t.join()
                .unwrap_or_else(|_| panic!("an evaluating thread panicked"))
        })
        .collect();
    let evaluations: u64 = seen.iter().map(|s| s.evaluations).sum();
    let versions: BTreeSet<u64> = seen
        .iter()
        .flat_map(|s| s.versions.iter().copied())
        .collect();
    eprintln!(
        "{} swaps in {swap_time:?} ({:?} per swap; {} bundles built and signed in {built:?}); \
         {evaluations} evaluations on 3 threads saw {} versions",
        rest.len(),
        swap_time / rest.len() as u32,
        bundles.len(),
        versions.len()
    );
    assert!(
        versions.len() >= 20,
        "only {} versions seen",
        versions.len()
    );
    for (t, s) in seen.iter().enumerate() {
        assert!(s.versions.len() > 1, "thread {t} saw one version only");
    }
    // Old and new decisions: some `n` was denied under one version and
    // sent to the autogate under another.
    let mut flipped = 0;
    for n in 0..25 {
        let outcomes: BTreeSet<&String> = seen
            .iter()
            .filter_map(|s| s.outcomes.get(&n))
            .flatten()
            .collect();
        if outcomes.len() == 2 {
            flipped += 1;
        }
    }
    assert!(
        flipped > 0,
        "no record was decided differently by two versions"
    );
    // Every replaced bundle was freed (its native code with it) once the
    // evaluations holding it ended; only the serving one is alive.
    let alive = replaced.iter().filter(|w| w.upgrade().is_some()).count();
    assert_eq!(alive, 0, "{alive} replaced bundles are still alive");
    assert_eq!(
        serving.current().map(|b| b.version.patch),
        Some(warmup + swaps)
    );
    let status = serving.status();
    assert_eq!(status.swaps, warmup + swaps + 1);
    assert_eq!(status.last_error, None);
    if let (Some(before), Some(after)) = (before, after) {
        eprintln!(
            "resident memory: {before} KiB after {warmup} swaps, {after} KiB after {swaps} more"
        );
        // Each compiled bundle maps code and data of well over 100 KiB;
        // keeping even a tenth of them would add tens of MiB.
        assert!(
            after.saturating_sub(before) < 8 * 1024,
            "resident memory grew from {before} KiB to {after} KiB over {swaps} swaps"
        );
    }
}
