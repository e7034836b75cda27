//! A checkpoint that keeps serving while its rules and data change: a
//! watched directory (newest valid bundle, never a half-written one), a
//! polled URL (ETags, backoff, refusals), data bundles that replace
//! reference tables of the running rules, and what happens when that data
//! goes stale. The swap itself under load is `hot_swap.rs`.

#![allow(clippy::panic, reason = "tests report failures by panicking")]

mod common;

use common::{
    NOW, expected, key, loader, publish, reference, reference_bundle, repo_root, rogue_key, sign,
    swap_bundles, time,
};
use lintas_bundle::archive::{self, Files, Limits, MANIFEST, SIGNATURE};
use lintas_bundle::{
    BundleError, Clock, DATA_STALE, DataInput, DataLimits, DataOptions, PollOptions, PollOutcome,
    Poller, Reload, ScanReport, Serving, StalePolicy, WatchOptions, Watcher,
};
use lintas_check::hir::Program;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

/// Waits (at most 20 s) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn serving_patch(serving: &Serving) -> Option<u64> {
    serving.current().map(|b| b.version.patch)
}

fn last_error_kind(serving: &Serving) -> Option<&'static str> {
    serving.status().last_error.map(|e| e.kind)
}

fn files(bundle: &[u8]) -> Files {
    archive::read(bundle, "bundle", &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn repack(files: &Files) -> Vec<u8> {
    archive::write(files).unwrap_or_else(|e| panic!("{e}"))
}

/// The bundle with one byte of `path` changed after signing.
fn tampered(bundle: &[u8], path: &str) -> Vec<u8> {
    let mut files = files(bundle);
    let file = files.entry(path.to_string()).or_default();
    file.push(b'\n');
    repack(&files)
}

/// A manifest edited and signed again with the trusted key, bypassing the
/// builder's checks: what a careless (trusted) publisher could ship.
fn resigned(bundle: &[u8], what: &str, with: &str) -> Vec<u8> {
    let mut files = files(bundle);
    let manifest = files.entry(MANIFEST.to_string()).or_default();
    let text = String::from_utf8_lossy(manifest).into_owned();
    assert!(text.contains(what), "`{what}` is not in the manifest");
    *manifest = text.replacen(what, with, 1).into_bytes();
    let signature = serde_json::to_vec(&key().sign(manifest)).unwrap_or_default();
    files.insert(SIGNATURE.to_string(), signature);
    repack(&files)
}

/// Evaluating threads for the generated `swap` package, as in
/// `hot_swap.rs`: each checks that its results are consistent with the
/// one version that gave them and never go back; they return how many
/// evaluations they made.
struct Evaluators {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<u64>>,
}

impl Evaluators {
    fn start(serving: &Serving, count: i64) -> Evaluators {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..count)
            .map(|t| {
                let serving = serving.clone();
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let context = serde_json::json!({ "date": "2026-03-01", "member": "SGP" });
                    let (mut last, mut count, mut n) = (0, 0, t);
                    while !stop.load(Ordering::Relaxed) {
                        let Some(bundle) = serving.current() else {
                            panic!("nothing serving");
                        };
                        assert!(bundle.version.patch >= last, "a version went back");
                        last = bundle.version.patch;
                        let context = bundle
                            .context_from_json(&context)
                            .unwrap_or_else(|e| panic!("{e:?}"));
                        let decision = bundle.decision_index("admission").unwrap_or(0);
                        let mut decider = bundle.decider();
                        n = (n + 7) % 25;
                        let result =
                            decider.decide_json(decision, &format!("{{\"n\":{n}}}"), &context);
                        assert!(result.errors.is_empty(), "{result:?}");
                        assert_eq!(result.outcome, expected(last, n));
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        Evaluators { stop, threads }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.threads
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|_| panic!("an evaluator failed")))
            .sum()
    }
}

fn quick() -> WatchOptions {
    WatchOptions {
        debounce: Duration::from_millis(40),
        max_delay: Duration::from_millis(400),
    }
}

#[test]
fn a_watched_directory_serves_its_newest_valid_bundle_without_a_restart() {
    let bundles = swap_bundles(31);
    let dir = temp();
    publish(dir.path(), "swap-1.0.0.bundle", &bundles[0]);
    let serving = Serving::new(loader());
    let watcher = Watcher::start(&serving, dir.path(), quick()).unwrap_or_else(|e| panic!("{e}"));
    // The first scan happens before `start` returns.
    assert_eq!(serving_patch(&serving), Some(0));
    let evaluators = Evaluators::start(&serving, 2);
    // 24 bundles whose decisions differ, each written slowly to a hidden
    // temporary file and renamed into place while decisions go on.
    for patch in 1..=24u64 {
        publish(
            dir.path(),
            &format!("swap-1.0.{patch}.bundle"),
            &bundles[patch as usize],
        );
        wait_until(&format!("1.0.{patch} serves"), || {
            serving_patch(&serving) == Some(patch)
        });
    }
    let status = serving.status();
    assert_eq!(status.swaps, 25);
    // Not one half-written file was ever read.
    assert_eq!(status.last_error, None, "{status:?}");

    // A tampered 1.0.26 and a valid 1.0.25 arrive together: the newest
    // valid one serves, and the refusal is recorded.
    let bad = tampered(&bundles[26], "program.json");
    publish(dir.path(), "swap-1.0.26.bundle", &bad);
    publish(dir.path(), "swap-1.0.25.bundle", &bundles[25]);
    wait_until("1.0.25 serves", || serving_patch(&serving) == Some(25));
    wait_until("the refusal is recorded", || {
        last_error_kind(&serving) == Some("tampered_file")
    });
    let status = serving.status();
    let error = status.last_error.unwrap_or_else(|| panic!("no error"));
    assert!(error.source.ends_with("swap-1.0.26.bundle"), "{error:?}");
    assert!(error.message.contains("program.json"), "{error:?}");
    let serving_status = status.serving.unwrap_or_else(|| panic!("nothing serving"));
    assert_eq!(serving_status.version, "1.0.25");
    assert!(serving_status.source.ends_with("swap-1.0.25.bundle"));
    assert_eq!(serving_status.loaded_at, NOW);

    // A bundle written in place, read while half-written, is refused as
    // truncated and the old one goes on; once whole, it serves.
    let path = dir.path().join("swap-1.0.27.bundle");
    let whole = &bundles[27];
    std::fs::write(&path, &whole[..whole.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let report: ScanReport = watcher.reload_now();
    assert!(
        report
            .refused
            .iter()
            .any(|(f, e)| f.ends_with("swap-1.0.27.bundle") && e.kind() == "truncated"),
        "{report:?}"
    );
    assert_eq!(serving_patch(&serving), Some(25));
    std::fs::write(&path, whole).unwrap_or_else(|e| panic!("{e}"));
    wait_until("1.0.27 serves", || serving_patch(&serving) == Some(27));

    // An older bundle dropped in later is not a rollback: it is ignored.
    publish(dir.path(), "old.bundle", &bundles[3]);
    let report = watcher.reload_now();
    assert!(report.installed.is_empty(), "{report:?}");
    assert_eq!(serving_patch(&serving), Some(27));
    // A newer bundle signed by an unknown key is refused.
    let rogue = lintas_bundle::sign(&bundles[30], "rogue", &rogue_key(), &Limits::default())
        .unwrap_or_else(|e| panic!("{e}"));
    publish(dir.path(), "swap-1.0.30.bundle", &rogue);
    wait_until("the unknown key is refused", || {
        last_error_kind(&serving) == Some("unknown_key")
    });
    assert_eq!(serving_patch(&serving), Some(27));
    let evaluations = evaluators.stop();
    assert!(evaluations > 0);
    drop(watcher);
}

#[test]
fn an_evaluation_keeps_its_bundle_until_it_ends_then_the_bundle_is_freed() {
    let bundles = swap_bundles(2);
    let serving = Serving::new(loader());
    serving
        .install_rules(&bundles[0], "first")
        .unwrap_or_else(|e| panic!("{e}"));
    let held = serving
        .current()
        .unwrap_or_else(|| panic!("nothing serving"));
    let old = Arc::downgrade(&held);
    let reload = serving
        .install_rules(&bundles[1], "second")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(reload, Reload::Swapped { .. }), "{reload:?}");
    // The evaluation that took 1.0.0 still decides with it.
    let context = held
        .context_from_json(&serde_json::json!({ "date": "2026-03-01", "member": "SGP" }))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let result = held.decider().decide_json(0, "{\"n\":0}", &context);
    assert_eq!(
        (result.version.as_str(), result.outcome.as_str()),
        ("1.0.0", "deny")
    );
    assert!(old.upgrade().is_some());
    drop(held);
    // Its last holder gone, 1.0.0 (its native code included) is freed.
    assert!(old.upgrade().is_none());
    // The same bytes again change nothing.
    assert_eq!(
        serving.install_rules(&bundles[1], "again").ok(),
        Some(Reload::Unchanged)
    );
    // An older one is refused as a rollback and 1.0.1 goes on.
    let e = serving.install_rules(&bundles[0], "older");
    assert!(matches!(e, Err(BundleError::Rollback { .. })), "{e:?}");
    assert_eq!(serving_patch(&serving), Some(1));
    assert_eq!(last_error_kind(&serving), Some("rollback"));
    // A file that cannot be read is recorded too.
    let e = serving.install_file(Path::new("/nonexistent/x.bundle"));
    assert_eq!(e.err().map(|e| e.kind()), Some("io"));
    assert_eq!(last_error_kind(&serving), Some("io"));
}

// ------------------------------------------------------------ HTTP

/// A minimal HTTP/1.1 server on the loopback interface: it serves one
/// body with a strong ETag, answers `304` to a matching `If-None-Match`,
/// or fails with a given status; it logs every request.
struct Server {
    url: String,
    state: Arc<Mutex<Served>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Served {
    body: Vec<u8>,
    fail_with: Option<u16>,
    /// (If-None-Match sent, status answered)
    log: Vec<(Option<String>, u16)>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "http://{}/rules/current.bundle",
            listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
        );
        let state = Arc::new(Mutex::new(Served::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || {
                // Bounded: the test stops it, and it serves only loopback.
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => answer(stream, &state),
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        Server {
            url,
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn serve(&self, body: &[u8]) {
        let mut state = self.state.lock().unwrap_or_else(|e| panic!("{e}"));
        state.body = body.to_vec();
        state.fail_with = None;
    }

    fn fail_with(&self, status: u16) {
        self.state
            .lock()
            .unwrap_or_else(|e| panic!("{e}"))
            .fail_with = Some(status);
    }

    fn recover(&self) {
        self.state
            .lock()
            .unwrap_or_else(|e| panic!("{e}"))
            .fail_with = None;
    }

    fn log(&self) -> Vec<(Option<String>, u16)> {
        self.state
            .lock()
            .unwrap_or_else(|e| panic!("{e}"))
            .log
            .clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(stream: TcpStream, state: &Mutex<Served>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(&stream);
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("if-none-match")
        {
            if_none_match = Some(value.trim().to_string());
        }
    }
    let mut state = state.lock().unwrap_or_else(|e| panic!("{e}"));
    let etag = format!("\"{}\"", lintas_bundle::manifest::sha256(&state.body));
    let (status, body): (u16, &[u8]) = match state.fail_with {
        Some(status) => (status, b"unavailable"),
        None if if_none_match.as_deref() == Some(etag.as_str()) => (304, b""),
        None => (200, &state.body),
    };
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        _ => "Error",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
    if status == 200 || status == 304 {
        head.push_str(&format!("ETag: {etag}\r\n"));
    }
    if status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut out = &stream;
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body);
    let _ = out.flush();
    state.log.push((if_none_match, status));
}

#[test]
fn polling_a_url_uses_etags_backs_off_and_refuses_what_does_not_verify() {
    let bundles = swap_bundles(5);
    let server = Server::start();
    server.serve(&bundles[1]);
    let serving = Serving::new(loader());
    let options = PollOptions {
        interval: Duration::from_millis(50),
        backoff_initial: Duration::from_millis(100),
        backoff_max: Duration::from_millis(1000),
        timeout: Duration::from_secs(5),
    };
    let mut poller = Poller::new(&serving, &server.url, options).unwrap_or_else(|e| panic!("{e}"));

    // The first poll fetches and loads.
    let outcome = poller.poll_once();
    assert!(
        matches!(&outcome, PollOutcome::Installed(Reload::Swapped { to, .. }) if to.patch == 1),
        "{outcome:?}"
    );
    // The second sends the ETag, gets 304 and loads nothing.
    let outcome = poller.poll_once();
    assert!(matches!(outcome, PollOutcome::NotModified), "{outcome:?}");
    let log = server.log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0], (None, 200));
    assert_eq!(log[1].1, 304);
    assert!(
        log[1].0.as_deref().is_some_and(|e| e.len() == 66),
        "{log:?}"
    );
    assert_eq!(serving.status().swaps, 1);

    // A new version is picked up.
    server.serve(&bundles[2]);
    let outcome = poller.poll_once();
    assert!(
        matches!(&outcome, PollOutcome::Installed(Reload::Swapped { to, .. }) if to.patch == 2),
        "{outcome:?}"
    );
    // A tampered one is refused; 1.0.2 goes on, the reason is recorded,
    // and it is not fetched again while it stays the same.
    server.serve(&tampered(&bundles[3], "program.json"));
    let outcome = poller.poll_once();
    assert!(
        matches!(&outcome, PollOutcome::Refused(BundleError::TamperedFile { file, .. }) if file == "program.json"),
        "{outcome:?}"
    );
    assert_eq!(serving_patch(&serving), Some(2));
    let error = serving
        .status()
        .last_error
        .unwrap_or_else(|| panic!("no error"));
    assert_eq!(
        (error.kind, error.source.as_str()),
        ("tampered_file", server.url.as_str())
    );
    let outcome = poller.poll_once();
    assert!(matches!(outcome, PollOutcome::NotModified), "{outcome:?}");
    // So is an unsigned one.
    let unsigned = {
        let mut files = files(&bundles[3]);
        files.remove(SIGNATURE);
        repack(&files)
    };
    server.serve(&unsigned);
    assert!(matches!(
        poller.poll_once(),
        PollOutcome::Refused(BundleError::Unsigned { .. })
    ),);

    // Failures back off exponentially, with jitter, up to the maximum.
    server.fail_with(503);
    let mut ceilings = Vec::new();
    for failure in 1..=6u32 {
        let outcome = poller.poll_once();
        assert!(
            matches!(&outcome, PollOutcome::Failed(BundleError::Fetch { message, .. }) if message.contains("503")),
            "{outcome:?}"
        );
        assert_eq!(poller.failures(), failure);
        let ceiling = Duration::from_millis(100 * (1 << (failure - 1))).min(Duration::from_secs(1));
        let delay = poller.next_delay();
        assert!(
            delay >= ceiling / 2 && delay <= ceiling,
            "failure {failure}: {delay:?} not within {ceiling:?}"
        );
        ceilings.push(ceiling);
    }
    assert_eq!(last_error_kind(&serving), Some("fetch"));
    assert_eq!(
        serving_patch(&serving),
        Some(2),
        "a failing server changes nothing"
    );
    server.recover();
    server.serve(&bundles[3]);
    let outcome = poller.poll_once();
    assert!(
        matches!(&outcome, PollOutcome::Installed(Reload::Swapped { to, .. }) if to.patch == 3),
        "{outcome:?}"
    );
    assert_eq!(poller.failures(), 0);
    let delay = poller.next_delay();
    assert!(
        delay >= Duration::from_millis(45) && delay <= Duration::from_millis(55),
        "{delay:?}"
    );

    // On its own thread, it picks up the next version by itself.
    let handle = poller.spawn().unwrap_or_else(|e| panic!("{e}"));
    server.serve(&bundles[4]);
    wait_until("1.0.4 serves", || serving_patch(&serving) == Some(4));
    drop(handle);
    // A server that is gone is a failure too, never a refusal.
    let url = server.url.clone();
    drop(server);
    let mut poller = Poller::new(&serving, &url, options).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(poller.poll_once(), PollOutcome::Failed(_)));
    assert_eq!(serving_patch(&serving), Some(4));
    // HTTPS needs the `tls` feature, and says so.
    if !cfg!(feature = "tls") {
        let e = Poller::new(&serving, "https://example.invalid/b", options);
        assert!(
            matches!(&e, Err(BundleError::Fetch { message, .. }) if message.contains("`tls` feature")),
            "{e:?}"
        );
    }
}

// ------------------------------------------------------------ data

/// The generated `watch` package: `admission` reads the table
/// `LISTED_DOCUMENTS` (from CSV), `transit` reads no data.
fn watch_package(dir: &Path) -> Program {
    std::fs::create_dir_all(dir.join("data")).unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "lintas.toml",
        "[package]\nname = \"watch\"\nversion = \"1.0.0\"\nedition = \"2026\"\n",
    );
    write(
        "data/listed.csv",
        "issuer,number,level\nIDN,A1,3\nPHL,B2,1\n",
    );
    write(
        "policy.lintas",
        r#"schema Person {
  issuer: Country
  number: Text
  n: Int
}

decision admission for person: Person {
  outcomes deny > refer > autogate
  default autogate
  on error refer
}

decision transit for person: Person {
  outcomes deny > refer > autogate
  default autogate
  on error refer
}

reason LISTED "The document is listed at level 2 or more"
reason OVER "Over the limit"

table LISTED_DOCUMENTS {
  issuer: Country key
  number: Text key
  level: Int
} from "data/listed.csv"

let listing for admission = LISTED_DOCUMENTS[person.issuer, person.number]

rule listed for admission
  "Documents listed at level 2 or more are refused"
  when listing is present and listing.level >= 2
  then deny LISTED with level = listing.level

rule over for admission
  "Over the limit"
  when person.n > 100
  then deny OVER

rule over_in_transit for transit
  "Over the limit"
  when person.n > 100
  then deny OVER
"#,
    );
    common::check(dir)
}

fn watch_rules(program: &Program) -> Vec<u8> {
    let data = vec![lintas_bundle::DataFile {
        package: "watch".into(),
        path: "data/listed.csv".into(),
        bytes: b"issuer,number,level\nIDN,A1,3\nPHL,B2,1\n".to_vec(),
    }];
    sign(
        &lintas_bundle::build(program, &data, &common::options()).unwrap_or_else(|e| panic!("{e}")),
    )
}

fn data_options(name: &str, issued: &str, valid_until: &str) -> DataOptions {
    DataOptions {
        name: name.into(),
        versions: "^1.0".into(),
        compiler_version: lintas_bundle::COMPILER_VERSION.into(),
        issued: time(issued),
        valid_until: time(valid_until),
    }
}

/// A signed data bundle replacing `LISTED_DOCUMENTS` from `path` (CSV or
/// JSON by its name).
fn listed_data(
    program: &Program,
    path: &str,
    text: &str,
    issued: &str,
    valid_until: &str,
) -> Vec<u8> {
    let input = DataInput {
        name: "LISTED_DOCUMENTS".into(),
        package: "watch".into(),
        path: path.into(),
        column: None,
        bytes: text.as_bytes().to_vec(),
    };
    let bundle = lintas_bundle::build_data(
        program,
        &[input],
        &data_options("listed-hourly", issued, valid_until),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    sign(&bundle)
}

/// Decides `{issuer, number, n}` with the bundle serving now.
fn decide(
    serving: &Serving,
    decision: &str,
    issuer: &str,
    number: &str,
    n: i64,
) -> lintas_eval::DecisionResult {
    let bundle = serving
        .current()
        .unwrap_or_else(|| panic!("nothing serving"));
    let context = bundle
        .context_from_json(&serde_json::json!({ "date": "2026-03-01", "member": "SGP" }))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let index = bundle
        .decision_index(decision)
        .unwrap_or_else(|| panic!("no decision {decision}"));
    let record = serde_json::json!({ "issuer": issuer, "number": number, "n": n }).to_string();
    bundle.decider().decide_json(index, &record, &context)
}

fn codes(result: &lintas_eval::DecisionResult) -> Vec<&str> {
    result.reasons.iter().map(|r| r.code.as_str()).collect()
}

#[test]
fn a_data_bundle_replaces_reference_data_of_the_running_rules() {
    // The reference policy's lost-and-stolen set, through a watched
    // directory: rules first, then a data bundle dropped beside them.
    let program = reference();
    let dir = temp();
    publish(dir.path(), "reference-1.0.0.bundle", &reference_bundle());
    let serving = Serving::new(loader());
    let _watcher = Watcher::start(&serving, dir.path(), quick()).unwrap_or_else(|e| panic!("{e}"));
    let sample =
        std::fs::read_to_string(repo_root().join("rules/reference/sample/travellers.jsonl"))
            .unwrap_or_else(|e| panic!("{e}"));
    let decide_sample = |serving: &Serving, record: &str| {
        let bundle = serving
            .current()
            .unwrap_or_else(|| panic!("nothing serving"));
        let context = bundle
            .context_from_json(&serde_json::json!({ "date": "2026-03-01", "member": "SGP" }))
            .unwrap_or_else(|e| panic!("{e:?}"));
        bundle.decider().decide_json(0, record, &context)
    };
    // A traveller the running list does not name, admitted to the gate.
    let record = sample
        .lines()
        .find(|r| decide_sample(&serving, r).outcome == "autogate")
        .unwrap_or_else(|| panic!("no autogate traveller in the sample"));
    let number = serde_json::from_str::<serde_json::Value>(record)
        .ok()
        .and_then(|v| v["document"]["number"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no document number"));
    let before = decide_sample(&serving, record);
    assert!(!codes(&before).contains(&"DOC_LOST_STOLEN"));

    // An hour later the document is reported stolen.
    let csv = format!(
        "document_number,issuer,reported\nX1234567,PHL,2025-11-02\n{number},IDN,2026-03-02\n"
    );
    let input = DataInput {
        name: "LOST_STOLEN".into(),
        package: "reference".into(),
        path: "data/lost_stolen.csv".into(),
        column: Some("document_number".into()),
        bytes: csv.into_bytes(),
    };
    let data = sign(
        &lintas_bundle::build_data(
            &program,
            &[input],
            &data_options(
                "lost-stolen",
                "2026-03-02T08:00:00Z",
                "2026-03-02T14:00:00Z",
            ),
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    publish(dir.path(), "lost-stolen-2026030208.bundle", &data);
    wait_until("the data bundle is applied", || {
        serving.current().is_some_and(|b| !b.data.is_empty())
    });
    let after = decide_sample(&serving, record);
    assert_eq!(after.outcome, "deny");
    assert!(codes(&after).contains(&"DOC_LOST_STOLEN"), "{after:?}");
    // The same rules: only the data changed.
    assert_eq!(after.version, "1.0.0");
    let status = serving.status();
    assert_eq!(status.data_updates, 1);
    assert_eq!(status.last_error, None, "{status:?}");
    let data_status = status
        .serving
        .unwrap_or_else(|| panic!("nothing serving"))
        .data
        .into_iter()
        .find(|d| d.name == "LOST_STOLEN")
        .unwrap_or_else(|| panic!("no status for LOST_STOLEN"));
    assert_eq!(
        (
            data_status.source.as_str(),
            data_status.entries,
            data_status.stale
        ),
        ("lost-stolen", 2, false)
    );
    assert_eq!(data_status.valid_until, "2026-03-02T14:00:00Z");
    assert_eq!(data_status.decisions, ["admission"]);
}

#[test]
fn a_data_bundle_replaces_a_table_from_json_and_survives_a_rule_update() {
    let dir = temp();
    let program = watch_package(dir.path());
    let serving = Serving::new(loader());
    serving
        .install_rules(&watch_rules(&program), "watch-1.0.0")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        decide(&serving, "admission", "IDN", "A1", 1).outcome,
        "deny"
    );
    assert_eq!(
        decide(&serving, "admission", "VNM", "C3", 1).outcome,
        "autogate"
    );
    // New rows as JSON: A1 was cleared, C3 listed.
    let json = r#"[{"issuer": "VNM", "number": "C3", "level": 2}, {"issuer": "PHL", "number": "B2", "level": 1}]"#;
    let data = listed_data(
        &program,
        "data/listed.json",
        json,
        "2026-03-02T08:00:00Z",
        "2026-03-03",
    );
    let reload = serving
        .install(&data, "listed.bundle")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        reload,
        Reload::DataApplied {
            bundle: "listed-hourly".into(),
            tables: vec!["LISTED_DOCUMENTS".into()]
        }
    );
    assert_eq!(
        decide(&serving, "admission", "IDN", "A1", 1).outcome,
        "autogate"
    );
    let listed = decide(&serving, "admission", "VNM", "C3", 1);
    assert_eq!(listed.outcome, "deny");
    assert_eq!(
        listed.reasons[0].values.get("level"),
        Some(&serde_json::json!(2))
    );
    // The same data bundle again changes nothing.
    assert_eq!(
        serving.install(&data, "again").ok(),
        Some(Reload::Unchanged)
    );

    // A rule update (1.0.1, its own data as old as its build) keeps the
    // newer rows of the data bundle.
    let mut next = program.clone();
    next.package.version = "1.0.1".into();
    serving
        .install(&watch_rules(&next), "watch-1.0.1")
        .unwrap_or_else(|e| panic!("{e}"));
    let bundle = serving
        .current()
        .unwrap_or_else(|| panic!("nothing serving"));
    assert_eq!(bundle.version.to_string(), "1.0.1");
    assert_eq!(bundle.data.len(), 1);
    drop(bundle);
    assert_eq!(
        decide(&serving, "admission", "VNM", "C3", 1).outcome,
        "deny"
    );
    assert_eq!(
        decide(&serving, "admission", "IDN", "A1", 1).outcome,
        "autogate"
    );
}

#[test]
fn stale_data_refers_every_traveller_it_could_affect() {
    let dir = temp();
    let program = watch_package(dir.path());
    let clock = Clock::fixed(time(NOW));
    let serving = Serving::new(loader().clock(clock.clone()));
    serving
        .install_rules(&watch_rules(&program), "watch-1.0.0")
        .unwrap_or_else(|e| panic!("{e}"));
    let csv = "issuer,number,level\nIDN,A1,3\n";
    let data = listed_data(
        &program,
        "data/listed.csv",
        csv,
        "2026-03-02T08:00:00Z",
        "2026-03-02T10:00:00Z",
    );
    serving
        .install(&data, "listed.bundle")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        decide(&serving, "admission", "VNM", "C3", 1).outcome,
        "autogate"
    );

    // 10:00: the list is stale. Every admission fails closed with
    // DATA_STALE naming the table; transit reads no data and is unaffected.
    clock.set(time("2026-03-02T10:00:00Z"));
    let stale = decide(&serving, "admission", "VNM", "C3", 1);
    assert_eq!(stale.outcome, "refer");
    assert_eq!(codes(&stale), [DATA_STALE]);
    assert_eq!(
        stale.reasons[0].values.get("table"),
        Some(&serde_json::json!("LISTED_DOCUMENTS"))
    );
    assert_eq!(stale.errors.len(), 1);
    assert_eq!(
        (
            stale.errors[0].kind.as_str(),
            stale.errors[0].place.as_str()
        ),
        ("data_stale", "LISTED_DOCUMENTS")
    );
    // Never more permissive than a rule that fired: a denial stays one.
    let denied = decide(&serving, "admission", "VNM", "C3", 101);
    assert_eq!(denied.outcome, "deny");
    assert_eq!(codes(&denied), ["OVER", DATA_STALE]);
    let transit = decide(&serving, "transit", "VNM", "C3", 1);
    assert_eq!(
        (transit.outcome.as_str(), transit.errors.len()),
        ("autogate", 0)
    );
    let status = serving.status();
    let listed = status
        .serving
        .as_ref()
        .and_then(|s| s.data.iter().find(|d| d.name == "LISTED_DOCUMENTS"))
        .unwrap_or_else(|| panic!("no status for the table"));
    assert!(listed.stale);
    assert_eq!(listed.decisions, ["admission"]);
    assert_eq!(status.stale_policy, "refer");

    // Stale data is refused on arrival; fresh data brings decisions back.
    let late = serving.install(&data, "listed-again.bundle");
    assert!(
        matches!(late, Err(BundleError::DataExpired { .. })),
        "{late:?}"
    );
    let fresh = listed_data(
        &program,
        "data/listed.csv",
        csv,
        "2026-03-02T09:30:00Z",
        "2026-03-02T16:00:00Z",
    );
    serving
        .install(&fresh, "fresh.bundle")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        decide(&serving, "admission", "VNM", "C3", 1).outcome,
        "autogate"
    );
    assert_eq!(
        decide(&serving, "admission", "IDN", "A1", 1).outcome,
        "deny"
    );

    // An operator who chose to serve stale data: decisions go on, the
    // status still says it is stale.
    let lenient = Serving::new(loader().clock(clock.clone()).stale_data(StalePolicy::Serve));
    clock.set(time(NOW));
    lenient
        .install(&watch_rules(&program), "watch-1.0.0")
        .unwrap_or_else(|e| panic!("{e}"));
    lenient
        .install(&data, "listed.bundle")
        .unwrap_or_else(|e| panic!("{e}"));
    clock.set(time("2026-03-02T11:00:00Z"));
    let served = decide(&lenient, "admission", "VNM", "C3", 1);
    assert_eq!(
        (served.outcome.as_str(), served.errors.len()),
        ("autogate", 0)
    );
    let status = lenient.status();
    assert_eq!(status.stale_policy, "serve");
    assert!(
        status
            .serving
            .iter()
            .flat_map(|s| &s.data)
            .any(|d| d.name == "LISTED_DOCUMENTS" && d.stale)
    );
}

#[test]
fn every_data_refusal_has_its_own_kind_and_leaves_the_old_data_serving() {
    let dir = temp();
    let program = watch_package(dir.path());
    let clock = Clock::fixed(time(NOW));
    let serving = Serving::new(loader().clock(clock.clone()).data_limits(DataLimits {
        max_bytes: 1000,
        tables: BTreeMap::from([("LISTED_DOCUMENTS".to_string(), 3)]),
        ..DataLimits::default()
    }));
    let good = |issued: &str| {
        listed_data(
            &program,
            "data/listed.csv",
            "issuer,number,level\nIDN,A1,3\n",
            issued,
            "2026-03-03",
        )
    };
    // No rules yet.
    let e = serving.install(&good("2026-03-02T08:00:00Z"), "early");
    assert_eq!(e.err().map(|e| e.kind()), Some("no_rules"));
    serving
        .install_rules(&watch_rules(&program), "watch-1.0.0")
        .unwrap_or_else(|e| panic!("{e}"));
    serving
        .install(&good("2026-03-02T08:00:00Z"), "good")
        .unwrap_or_else(|e| panic!("{e}"));
    let serving_sha = |s: &Serving| s.current().map(|b| (b.sha256.clone(), b.data.clone()));
    let before = serving_sha(&serving);

    // For another package, or a version range that excludes the rules.
    let reference_data = sign(
        &lintas_bundle::build_data(
            &reference(),
            &[DataInput {
                name: "LOST_STOLEN".into(),
                package: "reference".into(),
                path: "data/lost_stolen.csv".into(),
                column: Some("document_number".into()),
                bytes: b"document_number,issuer,reported\nX1,PHL,2025-11-02\n".to_vec(),
            }],
            &data_options("lost-stolen", "2026-03-02T08:00:00Z", "2026-03-03"),
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let mut v2 = program.clone();
    v2.package.version = "2.0.0".into();
    let for_v2 = sign(
        &lintas_bundle::build_data(
            &v2,
            &[DataInput {
                name: "LISTED_DOCUMENTS".into(),
                package: "watch".into(),
                path: "data/listed.csv".into(),
                column: None,
                bytes: b"issuer,number,level\nIDN,A1,3\n".to_vec(),
            }],
            &DataOptions {
                versions: "^2".into(),
                ..data_options("listed", "2026-03-02T08:30:00Z", "2026-03-03")
            },
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    // Rows that do not type by the running rules' declaration: built
    // against a variant where `level` is text.
    let mut text_level = program.clone();
    if let Some(field) = text_level
        .tables
        .first()
        .and_then(|t| text_level.records.get(t.row.0 as usize))
        .and_then(|r| r.fields.iter().position(|f| f.name == "level"))
    {
        let row = text_level.tables[0].row.0 as usize;
        text_level.records[row].fields[field].ty = lintas_check::types::Ty::Text;
    }
    let bad_rows = listed_data(
        &text_level,
        "data/listed.csv",
        "issuer,number,level\nIDN,A1,high\n",
        "2026-03-02T08:30:00Z",
        "2026-03-03",
    );
    let many_rows = listed_data(
        &program,
        "data/listed.csv",
        "issuer,number,level\nIDN,A1,3\nIDN,A2,3\nIDN,A3,3\nIDN,A4,3\n",
        "2026-03-02T08:30:00Z",
        "2026-03-03",
    );
    let big_file = listed_data(
        &program,
        "data/listed.csv",
        &format!("issuer,number,level\nIDN,{},3\n", "A".repeat(1200)),
        "2026-03-02T08:30:00Z",
        "2026-03-03",
    );
    let unknown = resigned(
        &good("2026-03-02T08:30:00Z"),
        "\"name\": \"LISTED_DOCUMENTS\"",
        "\"name\": \"NOT_A_TABLE\"",
    );
    let wrong_kind = resigned(
        &good("2026-03-02T08:30:00Z"),
        "\"kind\": \"table\"",
        "\"kind\": \"set\"",
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("another package", reference_data, "data_not_applicable"),
        ("another version", for_v2, "data_not_applicable"),
        ("a table the rules lack", unknown, "unknown_table"),
        ("a table given as a set", wrong_kind, "unknown_table"),
        ("rows that do not type", bad_rows, "bad_data"),
        (
            "more rows than the table's limit",
            many_rows,
            "table_too_large",
        ),
        ("a file over the byte limit", big_file, "table_too_large"),
        (
            "older than the data in use",
            good("2026-03-02T07:00:00Z"),
            "data_rollback",
        ),
        (
            "older than the rules' own data",
            good("2026-02-28T00:00:00Z"),
            "data_rollback",
        ),
        (
            "a tampered data file",
            tampered(&good("2026-03-02T08:30:00Z"), "data/watch/data/listed.csv"),
            "tampered_file",
        ),
        (
            "a key the checkpoint does not trust",
            lintas_bundle::sign(
                &good("2026-03-02T08:30:00Z"),
                "b",
                &rogue_key(),
                &Limits::default(),
            )
            .unwrap_or_else(|e| panic!("{e}")),
            "unknown_key",
        ),
    ];
    for (what, bytes, kind) in cases {
        let e = serving.install(&bytes, what);
        let e = e.err().unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(e.kind(), kind, "{what}: {e}");
        assert_eq!(last_error_kind(&serving), Some(kind), "{what}");
        assert_eq!(serving_sha(&serving), before, "{what} changed what serves");
    }
    // The messages name what is wrong.
    let e = serving
        .install(&bad_rows_again(&text_level), "bad")
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert!(e.to_string().contains("row 1, column `level`"), "{e}");
    // A data bundle is not rules, and rules are not data.
    let e = loader().load(&good("2026-03-02T08:30:00Z"), None);
    assert_eq!(e.err().map(|e| e.kind()), Some("wrong_kind"));
    let e = loader().verify_data(&watch_rules(&program));
    assert_eq!(e.err().map(|e| e.kind()), Some("wrong_kind"));
    // Past its `valid_until` on arrival.
    clock.set(time("2026-03-03"));
    let e = serving.install(&good("2026-03-02T09:00:00Z"), "late");
    assert_eq!(e.err().map(|e| e.kind()), Some("data_expired"));
    // A build that would be refused everywhere is refused at build time.
    let e = lintas_bundle::build_data(
        &program,
        &[DataInput {
            name: "LISTED_DOCUMENTS".into(),
            package: "watch".into(),
            path: "data/listed.csv".into(),
            column: None,
            bytes: b"issuer,number,level\nIDN,A1,high\n".to_vec(),
        }],
        &data_options("listed", "2026-03-02T08:00:00Z", "2026-03-03"),
    );
    assert!(
        matches!(&e, Err(BundleError::Build { message }) if message.contains("row 1, column `level`")),
        "{e:?}"
    );
}

fn bad_rows_again(text_level: &Program) -> Vec<u8> {
    listed_data(
        text_level,
        "data/listed.csv",
        "issuer,number,level\nIDN,A1,high\n",
        "2026-03-02T08:45:00Z",
        "2026-03-03",
    )
}
