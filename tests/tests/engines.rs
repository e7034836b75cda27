//! `lintas eval` gives the same output whichever backend decides.

use lintas_tests::{lintas, repo_root};

#[test]
fn native_and_interpreter_give_the_same_eval_output() {
    let root = repo_root();
    for (package, input, decision) in [
        (
            "rules/reference",
            "rules/reference/sample/travellers.jsonl",
            "admission",
        ),
        (
            "rules/members/sgp",
            "rules/asean/sample/travellers.jsonl",
            "admission",
        ),
        (
            "rules/members/idn",
            "rules/asean/sample/travellers.jsonl",
            "autogate",
        ),
    ] {
        let run = |engine: &str| {
            lintas(&[
                "eval",
                &root.join(package).to_string_lossy(),
                "--decision",
                decision,
                "--input",
                &root.join(input).to_string_lossy(),
                "--date",
                "2026-03-01",
                "--member",
                "SGP",
                "--engine",
                engine,
            ])
        };
        let native = run("native");
        let interpreter = run("interpreter");
        assert_eq!(native.code, 0, "{}", native.stderr);
        assert_eq!(native.stdout, interpreter.stdout, "{package} {decision}");
        assert!(
            native.stdout.lines().count() >= 100,
            "{package}: {} lines",
            native.stdout.lines().count()
        );
        assert!(
            native.stdout.contains("\"reasons\":[{"),
            "some reasons fire in {package}"
        );
    }
}
