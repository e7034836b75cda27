//! The parser and checker never panic and never overflow the stack, on
//! half-typed input (every valid file cut, and with a token deleted or
//! doubled, at every token boundary) and on random input.

use lintas_check::workspace::{PackageId, PackageInput, Workspace};
use lintas_tests::{files_with_suffix, repo_root};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Checks `text` as the only source of a package; the manifest is valid.
fn check_text(text: &str) {
    let mut ws = Workspace::default();
    let manifest_text = "[package]\nname = \"fuzz\"\nversion = \"1.0.0\"\nedition = \"2026\"\n";
    let manifest_file = ws.db.add("lintas.toml", manifest_text);
    let span = lintas_syntax::Span::new(manifest_file, 0, manifest_text.len());
    let manifest = lintas_check::manifest::parse(manifest_text, span).ok();
    let source = ws.db.add("fuzz.lintas", text);
    ws.packages.push(PackageInput {
        root: ".".to_string(),
        manifest_file,
        manifest,
        sources: vec![source],
        data: BTreeMap::new(),
        unreadable: BTreeMap::new(),
        base: None,
        dependencies: BTreeMap::new(),
    });
    let result = lintas_check::check_package(&ws, PackageId(0));
    // Every diagnostic must point inside the file it names.
    for d in &result.diagnostics {
        let len = ws.db.text(d.primary.span.file).len();
        assert!(
            d.primary.span.end as usize <= len,
            "span past the end: {d:?}"
        );
        assert!(
            d.primary.span.start <= d.primary.span.end,
            "reversed span: {d:?}"
        );
        assert!(
            text.is_char_boundary((d.primary.span.start as usize).min(text.len()))
                || d.primary.span.file != source
        );
    }
}

/// Byte offsets where a token starts or ends.
fn token_boundaries(text: &str) -> Vec<usize> {
    let mut bounds = vec![0];
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        let class = |c: char| {
            if c.is_alphanumeric() || c == '_' {
                0
            } else if c.is_whitespace() {
                1
            } else {
                2
            }
        };
        if let Some(p) = previous
            && (class(p) != class(c) || class(c) == 2)
        {
            bounds.push(i);
        }
        previous = Some(c);
    }
    bounds.push(text.len());
    bounds.dedup();
    bounds
}

fn valid_files() -> Vec<(String, String)> {
    let root = repo_root();
    let mut files = files_with_suffix(&root.join("rules"), ".lintas");
    files.extend(files_with_suffix(&root.join("docs"), ".lintas"));
    files
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect()
}

#[test]
fn every_cut_and_token_edit_of_every_rule_file_is_handled() {
    let files = valid_files();
    assert!(!files.is_empty());
    // Every boundary by default; a larger LINTAS_FUZZ_STRIDE samples them
    // for a quicker local run.
    let stride: usize = std::env::var("LINTAS_FUZZ_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    // Items are parsed one by one, so an edit inside one item is checked
    // with the declarations it needs (the other non-test items of its
    // file), which keeps the sweep linear in practice. Tests are checked on
    // their own: they are many and alike.
    let mut cases = 0;
    for (_, text) in &files {
        let items: Vec<&str> = lintas_syntax::lexical::split_items(text)
            .into_iter()
            .filter_map(|r| text.get(r))
            .collect();
        for (index, item) in items.iter().enumerate() {
            let is_test = item
                .trim_start_matches(|c: char| c == '/' || c.is_whitespace())
                .starts_with("test ")
                || item.lines().any(|l| l.starts_with("test "));
            let context: String = if is_test {
                String::new()
            } else {
                items
                    .iter()
                    .enumerate()
                    .filter(|(i, other)| {
                        *i != index && !other.lines().any(|l| l.starts_with("test "))
                    })
                    .map(|(_, other)| *other)
                    .collect()
            };
            let bounds = token_boundaries(item);
            for pair in bounds.windows(2).step_by(stride.max(1)) {
                let [start, end] = [pair[0], pair[1]];
                let token = &item[start..end];
                check_text(&format!("{context}{}", &item[..start]));
                check_text(&format!("{context}{}{}", &item[..start], &item[end..]));
                check_text(&format!(
                    "{context}{}{token}{token}{}",
                    &item[..start],
                    &item[end..]
                ));
                cases += 3;
            }
        }
    }
    assert!(
        cases > 1000,
        "only {cases} cases: are the rule files there?"
    );
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_crash() {
    let inputs = [
        format!("let x = {}1{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("let x = {}true", "not ".repeat(100_000)),
        format!("let x = {}1", "- ".repeat(100_000)),
        format!("let x = 1{}", " + 1".repeat(100_000)),
        format!("let x = {}1", "if true then ".repeat(50_000)),
        format!("let x = {}", "[".repeat(100_000)),
        format!("let x = a{}", ".b".repeat(100_000)),
    ];
    for input in inputs {
        // A small stack, like a language-server worker thread's.
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let parsed = lintas_syntax::parse(lintas_syntax::FileId(0), &input);
                assert!(
                    parsed.diagnostics.iter().any(|d| d.is_error()),
                    "accepted: {}",
                    &input[..40]
                );
                check_text(&input);
            })
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        assert!(handle.join().is_ok(), "the parser or checker panicked");
    }
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("schema".to_string()),
        Just("rule".to_string()),
        Just("decision".to_string()),
        Just("for".to_string()),
        Just("when".to_string()),
        Just("then".to_string()),
        Just("deny".to_string()),
        Just("let".to_string()),
        Just("table".to_string()),
        Just("set".to_string()),
        Just("test".to_string()),
        Just("any".to_string()),
        Just("in".to_string()),
        Just("where".to_string()),
        Just("if".to_string()),
        Just("and".to_string()),
        Just("not".to_string()),
        Just("is present".to_string()),
        Just("otherwise".to_string()),
        Just("6 months".to_string()),
        Just("2025-02-29".to_string()),
        Just("\"text\"".to_string()),
        Just("IDN".to_string()),
        Just("traveller.document".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("|".to_string()),
        Just("||".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
        "[0-9]{1,25}",
        "[ -~]{1,3}",
        "\\PC{1,3}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_token_soup_never_panics(parts in proptest::collection::vec(fragment(), 0..60)) {
        check_text(&parts.join(" "));
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        check_text(&text);
    }
}

#[test]
fn cached_parsing_equals_fresh_parsing_through_a_series_of_edits() {
    // The language server parses through the cache on every keystroke; it
    // must give exactly what a fresh parse gives, wherever items moved.
    let mut cache = lintas_syntax::ParseCache::new();
    let mut compared = 0;
    for (name, text) in valid_files() {
        let bounds = token_boundaries(&text);
        let mut current = text.clone();
        for pair in bounds.windows(2).step_by(37) {
            let [start, end] = [pair[0], pair[1]];
            if end > current.len()
                || !current.is_char_boundary(start)
                || !current.is_char_boundary(end)
            {
                continue;
            }
            // Alternately delete and double a token, keeping the edits.
            let token = current[start..end].to_string();
            current = if compared % 2 == 0 {
                format!("{}{}", &current[..start], &current[end..])
            } else {
                format!("{}{token}{}", &current[..end], &current[end..])
            };
            let file = lintas_syntax::FileId(7);
            let cached = lintas_syntax::parse_cached(file, &current, &mut cache);
            let fresh = lintas_syntax::parse(file, &current);
            assert!(
                cached == fresh,
                "{name}: cached parse differs after edit {compared}"
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} edits");
}
