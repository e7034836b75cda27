//! Every rule package of the repository lowers to IR that verifies, before
//! and after optimisation; the reference policy's IR text is a snapshot.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests report failures by panicking"
)]

use lintas_ir::{lower, opt, text, verify};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn program(dir: &Path) -> lintas_check::hir::Program {
    let ws = lintas_load::load_paths(&[dir.to_path_buf()]).expect("load");
    let root = *ws.roots.first().expect("a package");
    let result = lintas_check::check_package(&ws, root);
    assert!(!result.has_errors(), "{dir:?} has errors");
    result.program
}

#[test]
fn every_rule_package_lowers_and_verifies() {
    for dir in [
        "rules/reference",
        "rules/asean",
        "rules/members/idn",
        "rules/members/sgp",
        "rules/members/vnm",
    ] {
        let program = program(&repo().join(dir));
        let mut module = lower::lower(&program).unwrap_or_else(|e| panic!("{dir}: {e}"));
        verify::verify(&module)
            .unwrap_or_else(|e| panic!("{dir}: {e}\n{}", text::module_text(&module)));
        opt::optimise(&mut module);
        verify::verify(&module)
            .unwrap_or_else(|e| panic!("{dir} optimised: {e}\n{}", text::module_text(&module)));
    }
}

#[test]
fn reference_policy_ir_text() {
    let module = lintas_ir::compile(&program(&repo().join("rules/reference"))).expect("compile");
    insta::assert_snapshot!(text::module_text(&module));
}

#[test]
fn representative_constructs_ir_text() {
    let dir = repo().join("compiler/lintas-ir/tests/data/constructs");
    let program = program(&dir);
    let module = lower::lower(&program).expect("lower");
    verify::verify(&module).expect("verify");
    insta::assert_snapshot!("constructs_lowered", text::module_text(&module));
    let optimised = lintas_ir::compile(&program).expect("compile");
    insta::assert_snapshot!("constructs_optimised", text::module_text(&optimised));
}
