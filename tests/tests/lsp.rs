//! The language server, driven as an editor drives it: JSON-RPC messages
//! with `Content-Length` framing over a pair of streams. Most tests run the
//! server in this process on a thread with in-memory pipes; one launches
//! the real `lintas lsp` binary.

use lintas_tests::{lintas, repo_root};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

/// (code, message, start, end) with UTF-16 (line, character) positions.
type DiagnosticAt = (String, String, (u64, u64), (u64, u64));

// ---------------------------------------------------------------- pipes

/// The reading end of an in-memory pipe.
struct PipeReader {
    rx: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for PipeReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for PipeReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

struct PipeWriter(Sender<Vec<u8>>);

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(data.to_vec())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn pipe() -> (PipeWriter, PipeReader) {
    let (tx, rx) = channel();
    (
        PipeWriter(tx),
        PipeReader {
            rx,
            buf: Vec::new(),
            pos: 0,
        },
    )
}

// ---------------------------------------------------------------- client

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// An editor, as far as the server can tell.
struct Client {
    to_server: Box<dyn Write + Send>,
    from_server: Receiver<Value>,
    next_id: i64,
    /// Notifications seen while waiting for something else.
    notifications: Vec<Value>,
    child: Option<std::process::Child>,
    server_thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

const TIMEOUT: Duration = Duration::from_secs(60);

impl Client {
    /// The server on a thread of this process.
    fn in_process(folder: &Path) -> Client {
        let (client_out, server_in) = pipe();
        let (server_out, client_in) = pipe();
        let server_thread = std::thread::spawn(move || lintas_lsp::serve(server_in, server_out));
        let mut client = Client::start(Box::new(client_out), client_in);
        client.server_thread = Some(server_thread);
        client.initialize(folder);
        client
    }

    /// The real binary, built by `cargo build`.
    fn binary(folder: &Path) -> Client {
        let exe = repo_root()
            .join("target/debug/lintas")
            .with_extension(std::env::consts::EXE_EXTENSION);
        assert!(
            exe.is_file(),
            "{} is missing: run `cargo build` (CI does) before the tests",
            exe.display()
        );
        let mut child = std::process::Command::new(&exe)
            .arg("lsp")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut client = Client::start(Box::new(stdin), BufReader::new(stdout));
        client.child = Some(child);
        client.initialize(folder);
        client
    }

    fn start(to_server: Box<dyn Write + Send>, from: impl BufRead + Send + 'static) -> Client {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut from = from;
            while let Some(message) = read_message(&mut from) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            to_server,
            from_server: rx,
            next_id: 1,
            notifications: Vec::new(),
            child: None,
            server_thread: None,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.to_server
            .write_all(framed.as_bytes())
            .unwrap_or_else(|e| panic!("cannot write to the server: {e}"));
        let _ = self.to_server.flush();
    }

    fn next(&mut self) -> Value {
        let message = self
            .from_server
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("the server did not answer within {TIMEOUT:?}"));
        // The server's own requests (registering file watchers) get an answer.
        if message.get("method").is_some() && message.get("id").is_some() {
            let id = message["id"].clone();
            self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
        }
        message
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            if message.get("id").is_none() {
                self.notifications.push(message);
            }
        }
    }

    /// Sends a request and returns its result, failing on an error.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        if let Some(error) = response.get("error") {
            panic!("`{method}` failed: {error}");
        }
        response["result"].clone()
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn initialize(&mut self, folder: &Path) {
        let uri = uri(folder);
        let result = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "capabilities": {},
                "workspaceFolders": [{"uri": uri, "name": "rules"}],
            }),
        );
        assert!(result["capabilities"]["hoverProvider"].as_bool() == Some(true));
        self.notify("initialized", json!({}));
    }

    fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "lintas", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, path: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// The diagnostics most recently published for a file, waiting for the
    /// next publication if `fresh`.
    fn diagnostics(&mut self, path: &Path) -> Vec<Value> {
        let uri = uri(path);
        // A request is answered only after every earlier change is checked
        // and published, so the latest publication is current after it.
        self.request("workspace/symbol", json!({"query": "\u{0}"}));
        let deadline = Instant::now() + Duration::from_millis(50);
        while let Ok(m) = self
            .from_server
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if m.get("id").is_none() {
                self.notifications.push(m);
            }
        }
        self.notifications
            .iter()
            .rev()
            .find(|n| n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri)
            .map(|n| {
                n["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + TIMEOUT;
            loop {
                match child.try_wait() {
                    Ok(Some(status)) => {
                        assert!(status.success(), "the server exited with {status}");
                        break;
                    }
                    _ if Instant::now() > deadline => {
                        let _ = child.kill();
                        panic!("the server did not exit after `exit`");
                    }
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        }
        if let Some(thread) = self.server_thread.take() {
            let result = thread
                .join()
                .unwrap_or_else(|_| Err("server thread panicked".to_string()));
            assert_eq!(result, Ok(()));
        }
    }
}

// ---------------------------------------------------------------- helpers

fn uri(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    format!("file://{}", path.display())
}

fn reference() -> PathBuf {
    repo_root().join("rules/reference")
}

/// A copy of the reference package to edit, with some files replaced.
fn copy_reference(replace: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    copy_dir(&reference(), dir.path());
    for (name, text) in replace {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir: {e}"));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("read_dir: {e}"))
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy: {e}"));
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The LSP position (UTF-16 columns) of a byte offset, computed here
/// independently of the server.
fn position(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column: usize = before[start..].encode_utf16().count();
    (line as u64, column as u64)
}

/// The position of the `nth` occurrence of `needle` (plus `delta` bytes).
fn find(text: &str, needle: &str, nth: usize, delta: usize) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i + delta)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} not found"));
    let (line, character) = position(text, offset);
    json!({"line": line, "character": character})
}

fn at(path: &Path, position: Value) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": position})
}

fn range_start(v: &Value) -> (u64, u64) {
    (
        v["range"]["start"]["line"].as_u64().unwrap_or(u64::MAX),
        v["range"]["start"]["character"]
            .as_u64()
            .unwrap_or(u64::MAX),
    )
}

fn labels(result: &Value) -> Vec<String> {
    let items = result
        .as_array()
        .or_else(|| result["items"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut labels: Vec<String> = items
        .iter()
        .filter_map(|i| i["label"].as_str().map(String::from))
        .collect();
    labels.sort();
    labels
}

/// The field names of a schema, from the compiler's own parser.
fn schema_fields(schema: &str) -> Vec<String> {
    let text = read(&reference().join("schema.lintas"));
    let parsed = lintas_syntax::parse(lintas_syntax::FileId(0), &text);
    for item in parsed.file.items {
        if let lintas_syntax::ast::ItemKind::Schema(s) = item.kind
            && s.name.name == schema
        {
            let mut names: Vec<String> = s.fields.iter().map(|f| f.name.name.clone()).collect();
            names.sort();
            return names;
        }
    }
    panic!("no schema `{schema}`")
}

/// Where a location points, as `file:line:col` relative to the package.
fn short(location: &Value, root: &Path) -> String {
    let root = uri(root);
    let uri = location["uri"].as_str().unwrap_or("");
    let (line, col) = range_start(location);
    format!(
        "{}:{}:{}",
        uri.strip_prefix(&(root + "/")).unwrap_or(uri),
        line + 1,
        col + 1
    )
}

// ---------------------------------------------------------------- diagnostics

#[test]
fn a_broken_line_gives_its_diagnostic_and_fixing_it_clears_it() {
    let dir = copy_reference(&[]);
    let policy = dir.path().join("policy.lintas");
    let text = read(&policy);
    let mut client = Client::in_process(dir.path());
    client.open(&policy, &text);
    assert!(
        client.diagnostics(&policy).is_empty(),
        "the reference policy is clean"
    );
    let broken = text.replace(
        "when traveller.watchlist_hit\n",
        "when traveller.watchlist_hit and\n",
    );
    client.change(&policy, 2, &broken);
    let diagnostics = client.diagnostics(&policy);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "L0101");
    let rule_line = broken
        .lines()
        .position(|l| l.starts_with("rule watchlist "))
        .unwrap_or(0) as u64;
    let (line, _) = range_start(&diagnostics[0]);
    assert!(
        line >= rule_line && line <= rule_line + 5,
        "{diagnostics:#?}"
    );
    client.change(&policy, 3, &text);
    assert!(client.diagnostics(&policy).is_empty());
    client.shutdown();
}

/// A package with mistakes in several files, including one after Thai text.
fn mistakes() -> Vec<(&'static str, String)> {
    let policy = read(&reference().join("policy.lintas"))
        .replace("when traveller.watchlist_hit\n", "when traveller.watchlst_hit\n")
        .replace("then refer MRZ_INVALID", "then refer MRZ_INVALD")
        .replace(
            "when not traveller.document.mrz_valid",
            "when not traveller.document.mrz_valid and traveller.visa.valid_until > traveller.arrival_date",
        );
    let autogate = read(&reference().join("tests_autogate.lintas")).replacen(
        "name: \"ด.ญ. กมลชนก ศรีสุข\",",
        "name: \"ด.ญ. กมลชนก ศรีสุข\", nationalty: THA,",
        1,
    );
    let data = read(&reference().join("data.lintas")).replace("TLS }", "TLS, XYZ }");
    vec![
        ("policy.lintas", policy),
        ("tests_autogate.lintas", autogate),
        ("data.lintas", data),
    ]
}

#[test]
fn diagnostics_for_every_file_equal_lintas_check() {
    for with_mistakes in [false, true] {
        let replaced = if with_mistakes {
            mistakes()
        } else {
            Vec::new()
        };
        let replace: Vec<(&str, &str)> = replaced.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let dir = copy_reference(&replace);
        let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
        let run = lintas(&["check", "--format", "json", &root.to_string_lossy()]);
        let report = run.json();
        // (file, code, message, start, end) from the CLI, positions made
        // UTF-16 from its byte offsets.
        let mut expected: BTreeMap<String, Vec<DiagnosticAt>> = BTreeMap::new();
        for d in report["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let file = PathBuf::from(d["file"].as_str().unwrap_or(""));
            let file = if file.is_absolute() {
                file
            } else {
                std::env::current_dir().unwrap_or_default().join(file)
            };
            let file = file.canonicalize().unwrap_or(file);
            let text = read(&file);
            let start = position(&text, d["byte_start"].as_u64().unwrap_or(0) as usize);
            let end = position(&text, d["byte_end"].as_u64().unwrap_or(0) as usize);
            expected
                .entry(file.to_string_lossy().to_string())
                .or_default()
                .push((
                    d["code"].as_str().unwrap_or("").to_string(),
                    d["message"].as_str().unwrap_or("").to_string(),
                    start,
                    end,
                ));
        }
        if with_mistakes {
            assert!(
                expected.values().map(Vec::len).sum::<usize>() >= 5,
                "{report:#}"
            );
        }
        let mut client = Client::in_process(&root);
        let mut actual = BTreeMap::new();
        for file in lintas_tests::files_with_suffix(&root, ".lintas") {
            let text = read(&file);
            client.open(&file, &text);
        }
        for file in lintas_tests::files_with_suffix(&root, ".lintas") {
            let found: Vec<_> = client
                .diagnostics(&file)
                .iter()
                .map(|d| {
                    (
                        d["code"].as_str().unwrap_or("").to_string(),
                        d["message"].as_str().unwrap_or("").to_string(),
                        range_start(d),
                        (
                            d["range"]["end"]["line"].as_u64().unwrap_or(0),
                            d["range"]["end"]["character"].as_u64().unwrap_or(0),
                        ),
                    )
                })
                .collect();
            if !found.is_empty() {
                actual.insert(file.to_string_lossy().to_string(), found);
            }
        }
        for list in expected.values_mut() {
            list.sort();
        }
        for list in actual.values_mut() {
            list.sort();
        }
        assert_eq!(actual, expected);
        client.shutdown();
    }
}

#[test]
fn positions_after_thai_and_vietnamese_text_count_utf16_units() {
    let rule = "rule thai_check for admission\n  \"ตรวจสอบเอกสาร — Kiểm tra giấy tờ\"\n  when traveller.name == \"Nguyễn Thị Mai ด.ญ. กมลชนก\" and traveller.watchlist_hit\n  then refer WATCHLIST\n\nrule thai_broken for admission\n  \"ตรวจ\"\n  when traveller.name == \"ด.ญ. กมลชนก ศรีสุข\" and traveller.nationalty == THA\n  then refer WATCHLIST\n";
    let dir = copy_reference(&[("thai.lintas", rule)]);
    let file = dir.path().join("thai.lintas");
    let mut client = Client::in_process(dir.path());
    client.open(&file, rule);
    // The diagnostic on the misspelt field after Thai text.
    let diagnostics = client.diagnostics(&file);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let expected = find(rule, "nationalty", 0, 0);
    assert_eq!(
        diagnostics[0]["range"]["end"]["character"].as_u64(),
        Some(expected["character"].as_u64().unwrap_or(0) + 10)
    );
    assert_eq!(diagnostics[0]["range"]["end"]["line"], expected["line"]);
    // Hover and definition on a field after Vietnamese and Thai text.
    let pos = find(rule, "watchlist_hit", 0, 3);
    let hover = client.request("textDocument/hover", at(&file, pos));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("watchlist_hit: Bool"),
        "{hover:#}"
    );
    let start = find(rule, "watchlist_hit", 0, 0);
    assert_eq!(hover["range"]["start"], start);
    assert_eq!(
        hover["range"]["end"]["character"].as_u64(),
        start["character"].as_u64().map(|c| c + 13)
    );
    // One UTF-16 unit to the left is the space before the name.
    let before =
        json!({"line": start["line"], "character": start["character"].as_u64().unwrap_or(1) - 2});
    let hover = client.request("textDocument/hover", at(&file, before));
    assert!(
        hover.is_null()
            || !hover["contents"]["value"]
                .as_str()
                .unwrap_or("")
                .contains("watchlist_hit")
    );
    // The reference files' own Thai and Vietnamese lines.
    let autogate = dir.path().join("tests_autogate.lintas");
    let text = read(&autogate);
    client.open(&autogate, &text);
    let line = text
        .lines()
        .position(|l| l.contains("ด.ญ. กมลชนก ศรีสุข"))
        .unwrap_or(0);
    let thai_line = text.lines().nth(line).unwrap_or("");
    let end_of_string = thai_line.rfind('"').unwrap_or(0);
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri(&autogate)}}),
    );
    // Decode the tokens and find the string on that line.
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    let (mut l, mut c) = (0u64, 0u64);
    let mut found = None;
    for t in data.chunks(5) {
        if t[0] > 0 {
            l += t[0];
            c = t[1];
        } else {
            c += t[1];
        }
        if l == line as u64 && t[3] == 1 {
            found = Some((c, t[2]));
        }
    }
    let start = thai_line.find('"').unwrap_or(0);
    let utf16_start = thai_line[..start].encode_utf16().count() as u64;
    let utf16_len = thai_line[start..=end_of_string].encode_utf16().count() as u64;
    assert_eq!(found, Some((utf16_start, utf16_len)));
    client.shutdown();
}

// ---------------------------------------------------------------- completion

#[test]
fn completion_after_traveller_dot_lists_exactly_the_schema_fields() {
    let dir = copy_reference(&[]);
    let policy = dir.path().join("policy.lintas");
    let text = read(&policy);
    let mut client = Client::in_process(dir.path());
    client.open(&policy, &text);
    // Half-typed, with the rest of the line broken.
    let typed = text.replace(
        "when traveller.watchlist_hit\n",
        "when traveller. )) and ((\n",
    );
    client.change(&policy, 2, &typed);
    let result = client.request(
        "textDocument/completion",
        at(&policy, find(&typed, "traveller. ))", 0, 10)),
    );
    assert_eq!(labels(&result), schema_fields("Traveller"));
    let typed = text.replace(
        "when traveller.watchlist_hit\n",
        "when traveller.document.ex\n",
    );
    client.change(&policy, 3, &typed);
    let result = client.request(
        "textDocument/completion",
        at(&policy, find(&typed, "document.ex", 0, 11)),
    );
    assert_eq!(labels(&result), schema_fields("Document"));
    // A quantifier's variable.
    let typed = text.replace("where visit.country in", "where visit. in");
    client.change(&policy, 4, &typed);
    let result = client.request(
        "textDocument/completion",
        at(&policy, find(&typed, "visit. in", 0, 6)),
    );
    assert_eq!(labels(&result), schema_fields("Visit"));
    // Outcomes after `then`, reasons after the outcome, enum values after `==`.
    let typed = text.replace("then refer WATCHLIST\n", "then \n");
    client.change(&policy, 5, &typed);
    let result = client.request(
        "textDocument/completion",
        at(&policy, find(&typed, "then \n", 0, 5)),
    );
    assert_eq!(labels(&result), ["autogate", "deny", "manual", "refer"]);
    let typed = text.replace("then refer WATCHLIST\n", "then refer \n");
    client.change(&policy, 6, &typed);
    let result = client.request(
        "textDocument/completion",
        at(&policy, find(&typed, "then refer \n", 0, 11)),
    );
    let reasons = labels(&result);
    assert!(
        reasons.contains(&"WATCHLIST".to_string()) && reasons.contains(&"MRZ_INVALID".to_string())
    );
    assert!(!reasons.contains(&"deny".to_string()));
    let typed = text.replace(
        "traveller.document.kind == passport",
        "traveller.document.kind == ",
    );
    client.change(&policy, 7, &typed);
    let result = client.request(
        "textDocument/completion",
        at(&policy, find(&typed, "kind == ", 0, 8)),
    );
    let items = result.as_array().cloned().unwrap_or_default();
    let first: Vec<&str> = items
        .iter()
        .take(3)
        .filter_map(|i| i["label"].as_str())
        .collect();
    let mut first_sorted = first.clone();
    first_sorted.sort();
    assert_eq!(
        first_sorted,
        ["identity_card", "passport", "travel_document"]
    );
    let all = labels(&result);
    for expected in [
        "ASEAN_MEMBERS",
        "age",
        "risk",
        "traveller",
        "years_between",
        "when",
    ] {
        assert!(
            all.contains(&expected.to_string()),
            "missing {expected}: {all:?}"
        );
    }
    client.shutdown();
}

/// The package directory a file belongs to.
fn package_dir(file: &Path) -> PathBuf {
    file.ancestors()
        .find(|d| d.join("lintas.toml").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("{} is in no package", file.display()))
}

/// Completion and hover at every position, as JSON.
fn answers(client: &mut Client, file: &Path, text: &str, offsets: &[usize]) -> Vec<Value> {
    let mut found = Vec::new();
    for &offset in offsets {
        let (line, character) = position(text, offset);
        let pos = json!({"line": line, "character": character});
        for method in ["textDocument/completion", "textDocument/hover"] {
            found.push(client.request(method, at(file, pos.clone())));
        }
    }
    found
}

#[test]
fn completion_after_editing_one_item_equals_a_fresh_servers() {
    // After an edit the server rebuilds its index from the previous one,
    // reusing every item whose text did not change; what it answers must
    // be what a server started on the edited text answers, for an edit in
    // a rule's body (everything else reused) and for one that may change a
    // declaration (everything resolved again), in every rules/ file.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    copy_dir(&repo_root().join("rules"), dir.path());
    let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let mut client = Client::in_process(&root);
    let mut version = 1;
    let mut compared = 0;
    let files = lintas_tests::files_with_suffix(&root, ".lintas");
    assert!(files.len() > 30, "only {} rule files", files.len());
    for file in files {
        let text = read(&file);
        client.open(&file, &text);
        // A field access in the middle of the file, cut to its first letter
        // as if being typed: one item's body changes.
        let accesses: Vec<usize> = text
            .match_indices('.')
            .map(|(i, _)| i + 1)
            .filter(|&i| {
                text[i..].starts_with(|c: char| c.is_ascii_lowercase())
                    && text[..i - 1].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            })
            .collect();
        let tokens = token_boundaries(&text);
        let mut edits = Vec::new();
        if let Some(&start) = accesses.get(accesses.len() / 2) {
            let len = text[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - start);
            let typed = format!("{}{}", &text[..start + 1], &text[start + len..]);
            edits.push((typed, Some(start + 1)));
        }
        // Then a token deleted a third of the way in, which may be a
        // declared name or the keyword that starts an item.
        let base = edits.last().map_or(text.clone(), |(t, _)| t.clone());
        if let Some(&(start, end)) = tokens.get(tokens.len() / 3)
            && end <= base.len()
            && base.is_char_boundary(start)
            && base.is_char_boundary(end)
        {
            // The typed position, where it is after the deletion.
            let cursor = edits.last().and_then(|(_, c)| *c).and_then(|c| {
                if c <= start {
                    Some(c)
                } else {
                    c.checked_sub(end - start).filter(|&c| c >= start)
                }
            });
            edits.push((format!("{}{}", &base[..start], &base[end..]), cursor));
        }
        for (edited, cursor) in edits {
            version += 1;
            client.change(&file, version, &edited);
            // The typed position, words across the file and field accesses.
            let mut offsets: Vec<usize> = cursor.into_iter().collect();
            let words = token_boundaries(&edited);
            let stride = (words.len() / 12).max(1);
            offsets.extend(words.iter().step_by(stride).map(|&(_, end)| end));
            let dots: Vec<usize> = edited
                .match_indices('.')
                .map(|(i, _)| i + 1)
                .filter(|&i| edited[..i - 1].ends_with(|c: char| c.is_alphanumeric()))
                .collect();
            offsets.extend(dots.iter().step_by((dots.len() / 6).max(1)));
            let incremental = answers(&mut client, &file, &edited, &offsets);
            let mut fresh = Client::in_process(&package_dir(&file));
            fresh.open(&file, &edited);
            let expected = answers(&mut fresh, &file, &edited, &offsets);
            fresh.shutdown();
            for (n, (got, want)) in incremental.iter().zip(&expected).enumerate() {
                let offset = offsets[n / 2];
                assert_eq!(
                    got,
                    want,
                    "{} after an edit, at {:?}",
                    file.display(),
                    position(&edited, offset)
                );
            }
            compared += incremental.len();
        }
        version += 1;
        client.change(&file, version, &text);
    }
    assert!(compared > 500, "only {compared} answers compared");
    client.shutdown();
}

// ---------------------------------------------------------------- navigation

#[test]
fn hover_definition_references_and_rename() {
    let dir = copy_reference(&[]);
    let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let policy = root.join("policy.lintas");
    let text = read(&policy);
    let mut client = Client::in_process(&root);
    client.open(&policy, &text);
    let mut hovers = BTreeMap::new();
    for (what, needle, nth) in [
        ("field", "watchlist_hit", 0),
        ("nested field", "mrz_valid", 0),
        ("rule", "doc_validity_6m", 0),
        ("inline set", "ASEAN_MEMBERS", 0),
        ("file set", "in LOST_STOLEN", 0),
        ("reason", "RISK_SCORE", 1),
        ("let", "age", 1),
        ("score", "when risk", 0),
        ("score term", "paid_cash:", 0),
        ("outcome", "then refer", 0),
        ("enum value", "== passport", 0),
        ("subject", "years_between(traveller", 0),
        ("quantifier variable", "visit.country", 0),
    ] {
        // Inside the last word of the needle.
        let delta = needle.rfind([' ', '(']).map_or(1, |i| i + 2);
        let response = client.request(
            "textDocument/hover",
            at(&policy, find(&text, needle, nth, delta)),
        );
        hovers.insert(
            what,
            response["contents"]["value"]
                .as_str()
                .unwrap_or("<none>")
                .to_string(),
        );
    }
    assert!(hovers["field"].contains("watchlist_hit: Bool"));
    assert!(hovers["rule"].contains("source: ASEAN Framework Agreement"));
    assert!(
        hovers["rule"].contains("effective: always") && hovers["rule"].contains("mode: enforce")
    );
    assert!(
        hovers["inline set"].contains("11 values, from inline"),
        "{}",
        hovers["inline set"]
    );
    assert!(
        hovers["file set"].contains("values, from data/lost_stolen.csv"),
        "{}",
        hovers["file set"]
    );
    assert!(hovers["subject"].contains("traveller: Traveller"));
    assert!(hovers["reason"].contains("`risk_score` (refer)"));
    assert!(hovers["let"].contains("let age: Int"));
    insta::assert_debug_snapshot!("lsp_hovers", hovers);

    // Definition: across files.
    let def = client.request(
        "textDocument/definition",
        at(&policy, find(&text, "in LOST_STOLEN", 0, 5)),
    );
    assert_eq!(short(&def, &root), "data.lintas:12:5");
    let def = client.request(
        "textDocument/definition",
        at(&policy, find(&text, "expiry", 0, 2)),
    );
    let schema = read(&root.join("schema.lintas"));
    let (line, col) = position(&schema, schema.find("expiry: Date").unwrap_or(0));
    assert_eq!(
        short(&def, &root),
        format!("schema.lintas:{}:{}", line + 1, col + 1)
    );
    let def = client.request(
        "textDocument/definition",
        at(&policy, find(&text, "then deny DOC_EXPIRED", 0, 12)),
    );
    assert_eq!(
        short(&def, &root),
        format!(
            "policy.lintas:{}:8",
            text.lines()
                .position(|l| l.starts_with("reason DOC_EXPIRED"))
                .unwrap_or(0)
                + 1
        )
    );

    // References of a field: the schema, the rules, and the tests' inputs.
    let refs = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&policy)}, "position": find(&text, "mrz_valid", 0, 1), "context": {"includeDeclaration": true}}),
    );
    let refs: Vec<String> = refs
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| short(l, &root))
        .collect();
    let in_tests = refs.iter().filter(|r| r.starts_with("tests")).count();
    let total_in_files: usize = lintas_tests::files_with_suffix(&root, ".lintas")
        .iter()
        .map(|f| read(f).matches("mrz_valid").count())
        .sum();
    assert_eq!(refs.len(), total_in_files, "{refs:#?}");
    assert!(in_tests > 10 && refs.iter().any(|r| r.starts_with("schema.lintas")));
    // References of a reason: the declaration, the rule and the tests.
    let refs = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&policy)}, "position": find(&text, "WATCHLIST", 0, 1), "context": {"includeDeclaration": false}}),
    );
    let refs: Vec<String> = refs
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| short(l, &root))
        .collect();
    insta::assert_debug_snapshot!("lsp_references_watchlist", refs);

    // Rename a field everywhere; the renamed package still checks clean.
    let edit = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&policy)}, "position": find(&text, "watchlist_hit", 0, 1), "newName": "on_watchlist"}),
    );
    let changes = edit["changes"].as_object().cloned().unwrap_or_default();
    assert!(changes.len() >= 3, "{edit:#}");
    for (file_uri, edits) in &changes {
        let path = PathBuf::from(file_uri.strip_prefix("file://").unwrap_or(file_uri));
        let mut text = read(&path);
        let mut edits: Vec<&Value> = edits
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        edits.sort_by_key(|e| std::cmp::Reverse(range_start(e)));
        for e in edits {
            let offset = offset_of(&text, &e["range"]["start"]);
            let end = offset_of(&text, &e["range"]["end"]);
            assert_eq!(&text[offset..end], "watchlist_hit");
            text.replace_range(offset..end, e["newText"].as_str().unwrap_or(""));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let total: usize = lintas_tests::files_with_suffix(&root, ".lintas")
        .iter()
        .map(|f| read(f).matches("watchlist_hit").count())
        .sum();
    assert_eq!(total, 0, "every use was renamed");
    let run = lintas(&["check", &root.to_string_lossy()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = lintas(&["test", &root.to_string_lossy()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // A rename to something that is not a name is refused.
    let refused = client.call(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&policy)}, "position": find(&text, "risk", 1, 1), "newName": "not a name"}),
    );
    assert!(refused.get("error").is_some());
    client.shutdown();
}

fn offset_of(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap_or(0) as usize;
    let character = position["character"].as_u64().unwrap_or(0) as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

#[test]
fn symbols_formatting_code_actions_and_inlay_hints() {
    let misspelt = read(&reference().join("policy.lintas"))
        .replace("when traveller.watchlist_hit\n", "when traveller.watchlst_hit\n")
        .replace(
            "when not traveller.document.mrz_valid",
            "when not traveller.document.mrz_valid and traveller.visa.valid_until > traveller.arrival_date",
        );
    let dir = copy_reference(&[("policy.lintas", &misspelt)]);
    let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let policy = root.join("policy.lintas");
    let mut client = Client::in_process(&root);
    client.open(&policy, &misspelt);
    let diagnostics = client.diagnostics(&policy);
    let codes: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["L0202", "L0303"], "{diagnostics:#?}");
    // Did-you-mean.
    let typo = &diagnostics[0];
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&policy)}, "range": typo["range"], "context": {"diagnostics": [typo]}}),
    );
    let action = &actions[0];
    assert_eq!(action["title"], "change to `watchlist_hit`");
    let edit = &action["edit"]["changes"][uri(&policy)][0];
    assert_eq!(edit["newText"], "watchlist_hit");
    assert_eq!(
        edit["range"]["start"],
        find(&misspelt, "watchlst_hit", 0, 0)
    );
    // Presence check.
    let optional = &diagnostics[1];
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&policy)}, "range": optional["range"], "context": {"diagnostics": [optional]}}),
    );
    let action = &actions[0];
    assert_eq!(
        action["title"],
        "check that `traveller.visa` is present first"
    );
    let edit = &action["edit"]["changes"][uri(&policy)][0];
    assert_eq!(edit["newText"], "traveller.visa is present and ");
    assert_eq!(
        edit["range"]["start"],
        find(&misspelt, "not traveller.document.mrz_valid", 0, 0)
    );
    // Applying both fixes leaves no diagnostic.
    let fixed = misspelt.replace("watchlst_hit", "watchlist_hit").replace(
        "when not traveller.document.mrz_valid",
        "when traveller.visa is present and not traveller.document.mrz_valid",
    );
    client.change(&policy, 2, &fixed);
    assert_eq!(client.diagnostics(&policy), Vec::<Value>::new());

    // Formatting: the same text as `lintas fmt`.
    let messy = fixed
        .replace(
            "rule watchlist for admission",
            "rule   watchlist   for admission",
        )
        .replace(
            "  when traveller.watchlist_hit",
            "      when   traveller.watchlist_hit",
        );
    client.change(&policy, 3, &messy);
    let edits = client.request("textDocument/formatting", json!({"textDocument": {"uri": uri(&policy)}, "options": {"tabSize": 2, "insertSpaces": true}}));
    let expected = lintas_syntax::format::format(&messy).unwrap_or_else(|_| panic!("formats"));
    assert_eq!(edits[0]["newText"].as_str(), Some(expected.as_str()));
    assert_eq!(edits.as_array().map(Vec::len), Some(1));
    client.change(&policy, 4, &expected);
    let edits = client.request("textDocument/formatting", json!({"textDocument": {"uri": uri(&policy)}, "options": {"tabSize": 2, "insertSpaces": true}}));
    assert_eq!(edits, json!([]));

    // Document symbols name every item, with fields and terms inside.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&policy)}}),
    );
    let names: Vec<String> = symbols
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            let children: Vec<&str> = s["children"]
                .as_array()
                .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
                .unwrap_or_default();
            if children.is_empty() {
                s["name"].as_str().unwrap_or("").to_string()
            } else {
                format!(
                    "{} {{{}}}",
                    s["name"].as_str().unwrap_or(""),
                    children.join(", ")
                )
            }
        })
        .collect();
    insta::assert_debug_snapshot!("lsp_document_symbols", names);
    let found = client.request("workspace/symbol", json!({"query": "Visa"}));
    let found: Vec<String> = found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["name"].as_str().unwrap_or(""),
                short(&s["location"], &root)
            )
        })
        .collect();
    assert!(
        found.contains(&"Visa schema.lintas:35:8".to_string()),
        "{found:?}"
    );

    // Inlay hints: a let's type and a score's terms where it is used.
    let hints = client.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri(&policy)}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 10000, "character": 0}}}));
    let hints: Vec<String> = hints
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|h| h["label"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(hints.contains(&": Int".to_string()), "{hints:?}");
    assert!(
        hints.iter().any(|h| h.contains("paid_cash 2 + one_way 1")),
        "{hints:?}"
    );
    client.shutdown();
}

// ---------------------------------------------------------------- robustness

#[test]
fn a_panicking_handler_is_answered_and_the_server_keeps_serving() {
    let dir = copy_reference(&[]);
    let policy = dir.path().join("policy.lintas");
    let text = read(&policy);
    let mut client = Client::in_process(dir.path());
    client.open(&policy, &text);
    let response = client.call("lintas/debugPanic", json!({}));
    assert_eq!(response["error"]["code"], -32603, "{response:#}");
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("debug panic")
    );
    let hover = client.request(
        "textDocument/hover",
        at(&policy, find(&text, "watchlist_hit", 0, 1)),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("Bool")
    );
    // Garbage parameters are an error, not a crash.
    let response = client.call("textDocument/hover", json!({"nonsense": true}));
    assert!(response.get("error").is_some());
    let response = client.call(
        "textDocument/hover",
        at(
            &dir.path().join("nowhere.lintas"),
            json!({"line": 99, "character": 99}),
        ),
    );
    assert!(response["result"].is_null());
    client.shutdown();
}

#[test]
fn files_changed_on_disk_are_picked_up() {
    let dir = copy_reference(&[]);
    let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let policy = root.join("policy.lintas");
    let data = root.join("data.lintas");
    let mut client = Client::in_process(&root);
    client.open(&policy, &read(&policy));
    assert!(client.diagnostics(&data).is_empty());
    // Another tool breaks a file the editor does not have open.
    std::fs::write(
        &data,
        read(&data).replace("set LOST_STOLEN", "set LOST_STOLEN_X"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&data), "type": 2}]}),
    );
    let diagnostics = client.diagnostics(&policy);
    assert!(
        diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("LOST_STOLEN")),
        "{diagnostics:#?}"
    );
    // A new file, announced by the watcher.
    std::fs::write(
        root.join("extra.lintas"),
        "reason EXTRA \"x\"\nset LOST_STOLEN: Text = { \"A\" }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("extra.lintas")), "type": 1}]}),
    );
    assert!(
        client.diagnostics(&policy).is_empty(),
        "the new file declares the set again"
    );
    client.shutdown();
}

/// Token boundaries of a text: where a word, number, string or symbol starts.
fn token_boundaries(text: &str) -> Vec<(usize, usize)> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        if c.is_alphanumeric() || c == '_' {
            while let Some(&(i, d)) = chars.peek() {
                if d.is_alphanumeric() || d == '_' {
                    end = i + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
        } else if c == '"' {
            for (i, d) in chars.by_ref() {
                end = i + d.len_utf8();
                if d == '"' || d == '\n' {
                    break;
                }
            }
        }
        tokens.push((start, end));
    }
    tokens
}

#[test]
fn every_edit_at_every_token_boundary_is_answered() {
    let full = std::env::var("LINTAS_LSP_FULL_SWEEP").is_ok_and(|v| v == "1");
    let dir = copy_reference(&[]);
    let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let mut client = Client::in_process(&root);
    let started = Instant::now();
    let mut edits = 0usize;
    let mut version = 1;
    for file in lintas_tests::files_with_suffix(&root, ".lintas") {
        let text = read(&file);
        client.open(&file, &text);
        let mut cuts: Vec<(usize, usize)> = token_boundaries(&text);
        if full {
            cuts = text
                .char_indices()
                .map(|(i, c)| (i, i + c.len_utf8()))
                .collect();
        }
        for (n, &(start, end)) in cuts.iter().enumerate() {
            let token = &text[start..end];
            let variants = [
                text[..start].to_string(),
                format!("{}{}", &text[..start], &text[end..]),
                format!(
                    "{}{token}{token}{}",
                    &text[..end - token.len()],
                    &text[end..]
                ),
            ];
            for (k, variant) in variants.iter().enumerate() {
                // Every token boundary gets all three edits; the full
                // sweep does the same at every character boundary.
                let _ = (n, k);
                version += 1;
                edits += 1;
                client.change(&file, version, variant);
                if edits.is_multiple_of(10) || full {
                    let (line, character) = position(variant, start.min(variant.len()));
                    let pos = json!({"line": line, "character": character});
                    for method in [
                        "textDocument/hover",
                        "textDocument/completion",
                        "textDocument/definition",
                    ] {
                        let response = client.call(method, at(&file, pos.clone()));
                        assert!(
                            response.get("error").is_none(),
                            "{method} after editing {} at {start}: {response}",
                            file.display()
                        );
                    }
                    if edits.is_multiple_of(50) {
                        for method in [
                            "textDocument/semanticTokens/full",
                            "textDocument/documentSymbol",
                            "textDocument/formatting",
                            "textDocument/inlayHint",
                        ] {
                            let params = json!({"textDocument": {"uri": uri(&file)}, "options": {"tabSize": 2, "insertSpaces": true}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9999, "character": 0}}});
                            let response = client.call(method, params);
                            assert!(response.get("error").is_none(), "{method}: {response}");
                        }
                    }
                }
            }
        }
        client.change(&file, version + 1, &text);
        version += 1;
        // Forget what this file's edits published.
        client.notifications.clear();
    }
    eprintln!("{edits} edits in {:?}", started.elapsed());
    client.shutdown();
}

// ---------------------------------------------------------------- the binary

#[test]
fn the_lintas_binary_serves_lsp_over_stdio() {
    let dir = copy_reference(&[]);
    let policy = dir.path().join("policy.lintas");
    let text = read(&policy);
    let mut client = Client::binary(dir.path());
    client.open(&policy, &text);
    assert!(client.diagnostics(&policy).is_empty());
    let broken = text.replace("then refer WATCHLIST", "then refer WATCHLST");
    client.change(&policy, 2, &broken);
    let diagnostics = client.diagnostics(&policy);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "L0205");
    let result = client.request(
        "textDocument/completion",
        at(&policy, find(&broken, "traveller.watchlist_hit", 0, 10)),
    );
    assert_eq!(labels(&result), schema_fields("Traveller"));
    client.shutdown();
}

// ---------------------------------------------------------------- editor support

/// The keywords the VS Code grammar highlights are the pest grammar's.
#[test]
fn textmate_grammar_keywords_equal_the_pest_grammar() {
    let pest = read(&repo_root().join("compiler/lintas-syntax/src/grammar.pest"));
    let mut expected: Vec<String> = pest
        .lines()
        .filter_map(|l| l.strip_prefix("kw_"))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    expected.sort();
    let grammar: Value = serde_json::from_str(&read(
        &repo_root().join("editors/vscode/syntaxes/lintas.tmLanguage.json"),
    ))
    .unwrap_or_else(|e| panic!("grammar is not JSON: {e}"));
    let mut listed: Vec<String> = grammar["repository"]["keywords"]["x-keywords"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|k| k.as_str().map(String::from))
        .collect();
    listed.sort();
    assert_eq!(
        listed, expected,
        "regenerate with `node editors/vscode/scripts/generate-grammar.mjs`"
    );
    // And the pattern the grammar matches with is built from that list.
    let pattern = grammar["repository"]["keywords"]["patterns"][0]["match"]
        .as_str()
        .unwrap_or("");
    for k in &expected {
        assert!(
            pattern.contains(&format!("|{k}|"))
                || pattern.contains(&format!("({k}|"))
                || pattern.contains(&format!("|{k})")),
            "{k} not in {pattern}"
        );
    }
}

// ---------------------------------------------------------------- benchmark

/// `LINTAS_LSP_BENCH=1 cargo test --release -p lintas-tests lsp::benchmark -- --nocapture`
/// drives the server on a generated 5,000-line package and prints p50/p95.
#[test]
fn benchmark() {
    if std::env::var("LINTAS_LSP_BENCH").is_err() {
        return;
    }
    let dir = copy_reference(&[]);
    let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let mut big = String::new();
    let mut n = 0;
    while big.lines().count() < 5000 {
        big.push_str(&format!(
            "reason GEN_{n} \"Generated reason {n}\"\n\nlet gen_age_{n} for admission = years_between(traveller.birth_date, traveller.arrival_date) + {n}\n\nrule gen_rule_{n} for admission\n  \"Generated rule {n} — Kiểm tra ด.ญ.\"\n  source \"Generated\"\n  when traveller.stay_days > {n} and traveller.document.expiry < traveller.arrival_date + 6 months\n    and traveller.nationality in ASEAN_MEMBERS and gen_age_{n} > 18\n    and any visit in traveller.visited where visit.country in YELLOW_FEVER_RISK\n  then refer GEN_{n}\n\n"
        ));
        n += 1;
    }
    let file = root.join("generated.lintas");
    std::fs::write(&file, &big).unwrap_or_else(|e| panic!("{e}"));
    let mut client = Client::in_process(&root);
    client.open(&file, &big);
    client.diagnostics(&file);
    let mut change = Vec::new();
    // The first request after an edit waits for the index to be brought up
    // to date; the second finds it built. Completion and hover take turns
    // at going first.
    let (mut completion_first, mut completion_second) = (Vec::new(), Vec::new());
    let (mut hover_first, mut hover_second) = (Vec::new(), Vec::new());
    let uri_s = uri(&file);
    for i in 0..120 {
        // Alternate between a mistake and its fix, so every change
        // publishes new diagnostics.
        let edited = if i % 2 == 0 {
            big.replacen("traveller.stay_days > 0 ", "traveller.stay_dayz > 0 ", 1)
        } else {
            big.clone()
        };
        let t = Instant::now();
        client.change(&file, i + 2, &edited);
        loop {
            let m = client.next();
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri_s.as_str()
            {
                break;
            }
        }
        change.push(t.elapsed());
        let pos = find(&edited, "traveller.document.expiry", i as usize % 50, 10);
        let mut time = |method: &str| {
            let t = Instant::now();
            client.request(method, at(&file, pos.clone()));
            t.elapsed()
        };
        // By pairs of edits, so that mistakes and fixes get both orders.
        if (i / 2) % 2 == 0 {
            completion_first.push(time("textDocument/completion"));
            hover_second.push(time("textDocument/hover"));
        } else {
            hover_first.push(time("textDocument/hover"));
            completion_second.push(time("textDocument/completion"));
        }
    }
    for (name, mut samples) in [
        ("didChange→diagnostics", change),
        ("completion right after an edit", completion_first),
        ("hover right after an edit", hover_first),
        ("completion, index built", completion_second),
        ("hover, index built", hover_second),
    ] {
        samples.sort();
        let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
        eprintln!(
            "{name}: p50 {:?}, p95 {:?} ({} lines)",
            p(0.5),
            p(0.95),
            big.lines().count()
        );
    }
    client.shutdown();
}
