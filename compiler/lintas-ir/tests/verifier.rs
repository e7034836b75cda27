//! The verifier rejects malformed IR: each case breaks one well-formed
//! module (the reference policy's) in one way.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests report failures by panicking"
)]

use lintas_ir::{BinOp, Const, Expr, Module, Node, Ty, UnOp, verify};
use std::path::Path;

fn module() -> Module {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/reference");
    let ws = lintas_load::load_paths(&[dir]).expect("load");
    let root = *ws.roots.first().expect("a package");
    let program = lintas_check::check_package(&ws, root).program;
    lintas_ir::compile(&program).expect("compile")
}

fn rejects(change: impl FnOnce(&mut Module), expected: &str) {
    let mut m = module();
    assert_eq!(verify::verify(&m), Ok(()), "the unbroken module verifies");
    change(&mut m);
    let error = verify::verify(&m).expect_err("the broken module must be rejected");
    assert!(
        error.to_string().contains(expected),
        "expected `{expected}` in `{error}`"
    );
}

fn condition(m: &mut Module, rule: usize) -> &mut Expr {
    &mut m.decisions[0].rules[rule].condition
}

#[test]
fn a_condition_that_is_not_bool() {
    rejects(
        |m| *condition(m, 0) = Expr::constant(Ty::Int, Const::Int(1)),
        "expected bool, found int",
    );
}

#[test]
fn operands_of_the_wrong_type() {
    rejects(
        |m| {
            *condition(m, 0) = Expr::new(
                Ty::Int,
                Node::Binary(
                    BinOp::IntAdd(0),
                    Box::new(Expr::constant(Ty::Date, Const::Date(0))),
                    Box::new(Expr::constant(Ty::Int, Const::Int(1))),
                ),
            )
        },
        "IntAdd",
    );
}

#[test]
fn an_unbound_quantifier_variable() {
    rejects(
        |m| *condition(m, 3) = Expr::new(Ty::Bool, Node::Local(0)),
        "local 0 is not bound",
    );
}

#[test]
fn an_error_that_does_not_exist() {
    rejects(
        |m| {
            *condition(m, 0) = Expr::new(
                Ty::Int,
                Node::Unary(
                    UnOp::IntNeg(9_999),
                    Box::new(Expr::constant(Ty::Int, Const::Int(1))),
                ),
            )
        },
        "error 9999 does not exist",
    );
}

#[test]
fn a_field_that_does_not_exist() {
    rejects(
        |m| {
            *condition(m, 0) = Expr::new(
                Ty::Bool,
                Node::Field(Box::new(Expr::new(Ty::Rec(0), Node::Subject)), 999),
            )
        },
        "field 999 of rec0 does not exist",
    );
}

#[test]
fn a_memo_that_depends_on_itself() {
    rejects(
        |m| {
            let d = &mut m.decisions[0];
            let ty = d.memos[0].value.ty.clone();
            d.memos[0].value = Expr::new(ty, Node::Memo(0));
        },
        "memo 0 depends on itself",
    );
}

#[test]
fn branches_of_different_types() {
    rejects(
        |m| {
            *condition(m, 0) = Expr::new(
                Ty::Bool,
                Node::If(
                    Box::new(Expr::constant(Ty::Bool, Const::Bool(true))),
                    Box::new(Expr::constant(Ty::Bool, Const::Bool(true))),
                    Box::new(Expr::constant(Ty::Int, Const::Int(0))),
                ),
            )
        },
        "expected bool, found int",
    );
}

#[test]
fn an_unsorted_set_and_an_unknown_outcome() {
    rejects(
        |m| {
            let s = &mut m.sets[0];
            s.words.reverse();
        },
        "is not sorted",
    );
    rejects(
        |m| m.decisions[0].rules[0].outcome = 99,
        "the outcome does not exist",
    );
}

#[test]
fn a_date_outside_the_calendar() {
    rejects(
        |m| {
            *condition(m, 0) = Expr::new(
                Ty::Bool,
                Node::Compare(
                    lintas_ir::CmpOp::Lt,
                    Box::new(Expr::constant(Ty::Date, Const::Date(i64::MAX))),
                    Box::new(Expr::constant(Ty::Date, Const::Date(0))),
                ),
            )
        },
        "is not a valid date",
    );
}
