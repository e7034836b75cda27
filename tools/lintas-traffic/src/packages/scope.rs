//! What an expression can see: the subject, the context, quantifier
//! variables and named values, walked into every field they reach. An
//! optional path is usable as its inner type only once a condition has
//! narrowed it, exactly as the checker's presence facts work.

use super::model::{Ty, Universe};
use super::values::Val;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamedKind {
    Constant,
    Let,
    Score,
    Table,
    Aggregate,
}

/// A let, score, decision table or aggregate visible by name.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub name: String,
    pub ty: Ty,
    pub kind: NamedKind,
    /// Reads an aggregate, directly or not: aggregates may not use it.
    pub uses_aggregate: bool,
    /// Values it typically takes, for thresholds that split traffic.
    pub hints: Vec<Val>,
}

/// A path an expression can write, with its type where it is written.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub text: String,
    pub ty: Ty,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// The decisions' subject.
    pub subject: Option<String>,
    pub locals: Vec<(String, Ty)>,
    pub named: Vec<Named>,
    /// Optional paths proven present here.
    pub narrowed: Vec<String>,
    /// Paths under this prefix are preferred, so that the body of a
    /// quantifier or a presence check is about what it checked.
    pub prefer: Option<String>,
}

const MAX_WALK: usize = 5;

impl Scope {
    pub fn narrowed(&self, path: &str) -> Scope {
        let mut s = self.clone();
        s.narrowed.push(path.to_string());
        s
    }

    pub fn narrowed_all(&self, paths: &[String]) -> Scope {
        let mut s = self.clone();
        s.narrowed.extend(paths.iter().cloned());
        s
    }

    pub fn is_narrowed(&self, path: &str) -> bool {
        self.narrowed.iter().any(|n| n == path)
    }

    pub fn preferring(&self, prefix: &str) -> Scope {
        let mut s = self.clone();
        s.prefer = Some(prefix.to_string());
        s
    }

    pub fn with_local(&self, name: &str, ty: Ty) -> Scope {
        let mut s = self.clone();
        s.locals.push((name.to_string(), ty));
        s
    }

    pub fn named(&self, name: &str) -> Option<&Named> {
        self.named.iter().find(|n| n.name == name)
    }

    /// The named value a path starts from, if any.
    pub fn root_named(&self, path: &str) -> Option<&Named> {
        let root = path.split('.').next().unwrap_or(path);
        self.named(root)
    }

    /// Every path usable here, the roots included.
    pub fn places(&self, u: &Universe) -> Vec<Place> {
        let mut out = Vec::new();
        if let Some(subject) = &self.subject {
            self.walk(u, subject, &Ty::Record(u.subject), &mut out, 0);
            self.walk(u, "context", &Ty::Record(u.context), &mut out, 0);
        }
        for (name, ty) in &self.locals {
            self.walk(u, name, ty, &mut out, 0);
        }
        for n in &self.named {
            self.walk(u, &n.name, &n.ty, &mut out, 0);
        }
        out
    }

    fn walk(&self, u: &Universe, text: &str, ty: &Ty, out: &mut Vec<Place>, depth: usize) {
        let ty = match ty {
            Ty::Optional(inner) if self.narrowed.iter().any(|n| n == text) => (**inner).clone(),
            other => other.clone(),
        };
        if let Ty::Record(r) = &ty
            && depth < MAX_WALK
            && let Some(record) = u.record(*r)
        {
            for f in record.fields.iter().filter(|f| !f.sensitive) {
                self.walk(u, &format!("{text}.{}", f.name), &f.ty, out, depth + 1);
            }
        }
        out.push(Place {
            text: text.to_string(),
            ty,
        });
    }
}
