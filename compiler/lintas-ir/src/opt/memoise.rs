//! Shared sub-expressions evaluated once: an expression that occurs more
//! than once in a decision (in rules, reason values or memos) becomes a
//! memo of its own. A memo is computed on first use and remembers its value
//! or its error, and expressions are pure, so every use sees exactly what
//! evaluating it there would give, whichever use comes first. No dominance
//! analysis is needed and no short circuit is crossed.

use crate::ir::*;
use crate::text;
use std::collections::HashMap;

pub fn memoise_module(module: &mut Module) -> usize {
    let mut total = 0;
    let snapshot = module.clone();
    for (index, d) in module.decisions.iter_mut().enumerate() {
        let Some(original) = snapshot.decisions.get(index) else {
            continue;
        };
        total += memoise(&snapshot, original, d);
    }
    total
}

/// Worth a memo: does real work (a call, arithmetic, a lookup, a
/// quantifier, membership in a list) and has no quantifier variable free.
fn candidate(e: &Expr) -> bool {
    let work = matches!(
        e.node,
        Node::Call(..)
            | Node::Binary(..)
            | Node::Lookup(..)
            | Node::Quantifier { .. }
            | Node::Member(_, Container::List(_))
            | Node::DecisionTable(_)
    );
    work && closed(e, 0)
}

/// Whether `e` uses no quantifier variable bound outside it (`depth`
/// quantifiers deep).
fn closed(e: &Expr, depth: u32) -> bool {
    match &e.node {
        Node::Local(d) => *d < depth,
        Node::Quantifier { over, body, .. } => closed(over, depth) && closed(body, depth + 1),
        _ => e.children().into_iter().all(|c| closed(c, depth)),
    }
}

fn count(module: &Module, decision: &Decision, e: &Expr, counts: &mut HashMap<String, usize>) {
    if candidate(e) {
        *counts.entry(key(module, decision, e)).or_default() += 1;
    }
    for c in e.children() {
        count(module, decision, c, counts);
    }
}

fn key(module: &Module, decision: &Decision, e: &Expr) -> String {
    // The text form names every operand, type and error id, so equal text
    // means the same computation.
    format!("{}:{}", e.ty, text::expr_text(module, decision, e))
}

fn memoise(module: &Module, original: &Decision, d: &mut Decision) -> usize {
    let mut counts = HashMap::new();
    for m in &d.memos {
        // A memo's own body is one use; its sub-expressions count too.
        for c in m.value.children() {
            count(module, original, c, &mut counts);
        }
    }
    for r in &d.rules {
        count(module, original, &r.condition, &mut counts);
        for (_, v) in &r.values {
            count(module, original, v, &mut counts);
        }
    }
    let repeated: HashMap<String, ()> = counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| (k, ()))
        .collect();
    if repeated.is_empty() {
        return 0;
    }
    let mut created: HashMap<String, u32> = HashMap::new();
    let mut new_memos: Vec<Memo> = Vec::new();
    let first_new = d.memos.len();
    let mut replace = |e: &mut Expr| {
        replace_repeated(
            module,
            original,
            e,
            &repeated,
            &mut created,
            &mut new_memos,
            first_new,
        )
    };
    for m in &mut d.memos {
        for c in m.value.children_mut() {
            replace(c);
        }
    }
    for r in &mut d.rules {
        replace(&mut r.condition);
        for (_, v) in &mut r.values {
            replace(v);
        }
    }
    let n = new_memos.len();
    d.memos.extend(new_memos);
    n
}

fn replace_repeated(
    module: &Module,
    decision: &Decision,
    e: &mut Expr,
    repeated: &HashMap<String, ()>,
    created: &mut HashMap<String, u32>,
    new_memos: &mut Vec<Memo>,
    first_new: usize,
) {
    if candidate(e) {
        let k = key(module, decision, e);
        if repeated.contains_key(&k) {
            let index = match created.get(&k) {
                Some(i) => *i,
                None => {
                    let mut body = e.clone();
                    // Repeats inside the body become memos too.
                    for c in body.children_mut() {
                        replace_repeated(
                            module, decision, c, repeated, created, new_memos, first_new,
                        );
                    }
                    let i = (first_new + new_memos.len()) as u32;
                    new_memos.push(Memo {
                        name: format!("shared{}", new_memos.len()),
                        value: body,
                    });
                    created.insert(k, i);
                    i
                }
            };
            *e = Expr::new(e.ty.clone(), Node::Memo(index));
            return;
        }
    }
    for c in e.children_mut() {
        replace_repeated(module, decision, c, repeated, created, new_memos, first_new);
    }
}
