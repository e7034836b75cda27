//! Who defines what and who uses it: every name in a package's syntax
//! trees, resolved to a [`Key`]. Definition, references, rename, hover,
//! symbols and semantic tokens all read this one table.
//!
//! The index is built from the syntax trees (which exist for every item
//! that parses, however broken its neighbours) rather than from the checked
//! program, so it answers while the package has errors; the few facts only
//! the checker knows (a let's type, a set's size) come from the program.
//!
//! It is rebuilt after every edit, but from the previous one
//! ([`Index::rebuild`]): each top-level item's trees, declarations and
//! resolved names are kept by the item's text, as the parse cache keeps
//! parses, and moved to where the text now stands. An edit inside one item
//! resolves that item again; only an edit to what names resolve against (a
//! field, an enum value, a let's type) resolves them all.

use lintas_check::workspace::SourceDb;
use lintas_syntax::FileId;
use lintas_syntax::Span;
use lintas_syntax::ast::*;
use lintas_syntax::rebase::{Move, Rebase};
use std::collections::HashMap;
use std::sync::Arc;

/// What a name stands for, independent of where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Schema(String),
    Enum(String),
    EnumValue(String, String),
    Field(String, String),
    /// A let, score, set, table, decision table or aggregate.
    Value(String),
    Column(String, String),
    ScoreTerm(String, String),
    Reason(String),
    Purpose(String),
    Decision(String),
    Outcome(String, String),
    /// The record a decision or sharing decides on, e.g. `traveller`.
    Subject(String),
    Rule(String),
    Sharing(String),
    /// A quantifier's variable, by where it is declared.
    Local(Span),
}

impl Key {
    pub fn name(&self) -> &str {
        match self {
            Key::Schema(n)
            | Key::Enum(n)
            | Key::Value(n)
            | Key::Reason(n)
            | Key::Purpose(n)
            | Key::Decision(n)
            | Key::Rule(n)
            | Key::Sharing(n) => n,
            Key::EnumValue(_, n)
            | Key::Field(_, n)
            | Key::Column(_, n)
            | Key::ScoreTerm(_, n)
            | Key::Outcome(_, n) => n,
            Key::Subject(_) | Key::Local(_) => "",
        }
    }
}

/// One place a name is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub span: Span,
    pub key: Key,
    pub is_def: bool,
}

/// What kind of thing a definition is, for symbols and completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Schema,
    Field,
    Enum,
    EnumValue,
    Set,
    Table,
    Column,
    Reason,
    Purpose,
    Decision,
    Outcome,
    Rule,
    Score,
    ScoreTerm,
    Let,
    DecisionTable,
    Aggregate,
    Sharing,
    Subject,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Def {
    pub key: Key,
    pub kind: DefKind,
    pub name: String,
    /// The name where it is declared.
    pub span: Span,
    /// The whole declaration.
    pub full: Span,
    pub docs: Vec<String>,
    /// A one-line summary: a field's type, a rule's `for` clause.
    pub detail: String,
    /// The item this is declared in (`None` for items themselves).
    pub parent: Option<Key>,
}

/// A type as far as the syntax shows it: enough to follow `a.b.c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AstTy {
    Schema(String),
    Enum(String),
    /// A row of a reference table (indexing a table gives one).
    Row(String),
    Table(String),
    List(Box<AstTy>),
    Unknown,
}

/// A rule as hover shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInfo {
    pub name: String,
    pub description: Option<String>,
    pub source: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub mode: Mode,
    pub decisions: Vec<String>,
    pub outcome: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Index {
    pub files: Vec<FileId>,
    pub defs: Vec<Def>,
    /// Per file, sorted by start.
    pub occurrences: HashMap<FileId, Vec<Occurrence>>,
    /// Schema name → its fields with their types.
    pub schemas: HashMap<String, Vec<(String, TypeExpr)>>,
    pub enums: HashMap<String, Vec<String>>,
    pub tables: HashMap<String, Vec<(String, TypeExpr)>>,
    /// Decision (or sharing) name → subject name and schema name.
    pub subjects: HashMap<String, (String, String)>,
    pub outcomes: HashMap<String, Vec<String>>,
    /// Names in the value namespace with the kind of each.
    pub values: HashMap<String, DefKind>,
    pub value_types: HashMap<String, AstTy>,
    pub rules: Vec<RuleInfo>,
    pub score_terms: HashMap<String, Vec<(String, String)>>,
    /// Enum value → its enum, the first by name when several have it
    /// (see [`Index::enum_of_value`]).
    enum_values: HashMap<String, String>,
    /// What the next build reuses: see [`Index::rebuild`].
    reuse: Reuse,
}

/// The parts of an index that outlive it, so that the build after an edit
/// redoes only what the edit can have changed.
#[derive(Debug, Default)]
struct Reuse {
    /// What was worked out for every distinct item text of the files. Slots
    /// keep their number from build to build (a slot is emptied when its
    /// text is gone), so an item that did not change is found again without
    /// hashing its text.
    parts: Vec<Option<Part>>,
    /// Empty slots of `parts`.
    free: Vec<usize>,
    /// Item text → its slot.
    by_text: HashMap<Arc<str>, usize>,
    /// Per file, in the order of `files`, its text and items.
    layout: Vec<FileLayout>,
    /// What names resolve in, item by item (see [`Part::env`]), followed by
    /// the lets' inferred types: two builds with equal environments resolve
    /// every item the same way.
    env: Vec<Arc<str>>,
    let_types: Vec<(String, AstTy)>,
    /// The texts of the items holding lets, in order: with an equal `env`,
    /// equal texts infer equal types.
    let_texts: Vec<Arc<str>>,
    /// Counts the distinct environments seen; a part's walk is current when
    /// it was made in this one.
    generation: u64,
    /// How many parts the last build resolved (walked) again, for the
    /// tests and `LINTAS_LSP_TIMING`.
    resolved: usize,
}

impl Reuse {
    /// Lays out a file's items, finding the part of each: the items that
    /// stand where they stood in `old` (the file's previous layout) by
    /// position alone, the others by their text.
    fn place(
        &mut self,
        file: FileId,
        text: &str,
        old: Option<FileLayout>,
        cache: &mut lintas_syntax::ParseCache,
    ) -> (FileLayout, Kept) {
        let old = match old {
            // The same text: the same items at the same places.
            Some(old) if *old.text == *text => {
                let all = (old.placed.len(), old.placed.len());
                let kept = Kept {
                    front: usize::MAX,
                    back: usize::MAX,
                    delta: 0,
                    new: all,
                };
                return (old, kept);
            }
            old => old,
        };
        let chunks: Vec<(usize, &str)> = lintas_syntax::lexical::split_items(text)
            .into_iter()
            .filter_map(|r| Some((r.start, text.get(r)?)))
            .filter(|(_, chunk)| !chunk.trim().is_empty())
            .collect();
        let was: &[(usize, usize)] = old.as_ref().map_or(&[], |o| o.placed.as_slice());
        // An old item is kept when the same text stands at the same place,
        // or, at the end of the file, at the place moved by how much the
        // file grew or shrank.
        let same = |(at, chunk): (usize, &str), (was_at, id): (usize, usize), delta: i64| {
            i64::try_from(at).ok() == i64::try_from(was_at).ok().map(|w| w + delta)
                && self.part(id).is_some_and(|p| *p.text == *chunk)
        };
        let front = chunks
            .iter()
            .zip(was)
            .take_while(|(c, w)| same(**c, **w, 0))
            .count();
        let old_len = old.as_ref().map_or(0, |o| o.text.len());
        let delta = i64::try_from(text.len()).unwrap_or(0) - i64::try_from(old_len).unwrap_or(0);
        let back = chunks
            .iter()
            .rev()
            .zip(was.iter().rev())
            .take(chunks.len().min(was.len()) - front)
            .take_while(|(c, w)| same(**c, **w, delta))
            .count();
        let new = (front, chunks.len() - back);
        let mut placed = Vec::with_capacity(chunks.len());
        placed.extend_from_slice(was.get(..front).unwrap_or(&[]));
        for &(at, chunk) in chunks.get(new.0..new.1).unwrap_or(&[]) {
            placed.push((at, self.part_for(chunk, cache)));
        }
        for &(at, id) in was.get(was.len() - back..).unwrap_or(&[]) {
            let at = usize::try_from(i64::try_from(at).unwrap_or(0) + delta).unwrap_or(0);
            placed.push((at, id));
        }
        let kept = match old {
            Some(_) => Kept {
                front: was.get(front).map_or(usize::MAX, |w| w.0),
                back: was.get(was.len() - back).map_or(usize::MAX, |w| w.0),
                delta,
                new,
            },
            None => Kept::nothing(placed.len()),
        };
        let layout = FileLayout {
            file,
            text: Arc::from(text),
            placed,
        };
        (layout, kept)
    }

    /// The slot of the part for an item's text, made if there is none.
    fn part_for(&mut self, chunk: &str, cache: &mut lintas_syntax::ParseCache) -> usize {
        if let Some(&id) = self.by_text.get(chunk) {
            return id;
        }
        let part = Part::new(chunk, cache);
        let id = self.free.pop().unwrap_or_else(|| {
            self.parts.push(None);
            self.parts.len() - 1
        });
        self.by_text.insert(part.text.clone(), id);
        if let Some(slot) = self.parts.get_mut(id) {
            *slot = Some(part);
        }
        id
    }

    fn part(&self, id: usize) -> Option<&Part> {
        self.parts.get(id).and_then(Option::as_ref)
    }
}

/// A file as the last build saw it.
#[derive(Debug)]
struct FileLayout {
    file: FileId,
    text: Arc<str>,
    /// Its items in order: where each starts and its slot in
    /// [`Reuse::parts`].
    placed: Vec<(usize, usize)>,
}

/// How a file's items relate to the previous build's: the first ones and
/// the last ones stand where they stood (the last moved by `delta` bytes);
/// only the ones between are new. The previous build's definitions and
/// occurrences of the kept items are moved over rather than worked out from
/// the parts again; everything an item has lies within its text, so they
/// are told apart by where they start.
#[derive(Debug, Clone, Copy)]
struct Kept {
    /// Entries starting before this (old) offset belong to the first items.
    front: usize,
    /// Entries starting at or after this (old) offset belong to the last
    /// items.
    back: usize,
    delta: i64,
    /// Where the new items are: `placed[new.0..new.1]`.
    new: (usize, usize),
}

impl Kept {
    /// Nothing kept: every item is new.
    fn nothing(items: usize) -> Kept {
        Kept {
            front: 0,
            back: usize::MAX,
            delta: 0,
            new: (0, items),
        }
    }

    /// Splits the previous build's entries for the file (sorted by where
    /// they start) into the kept ones at the front and at the back, the
    /// latter moved already; the rest go.
    fn split<T>(
        &self,
        mut old: Vec<T>,
        start: impl Fn(&T) -> u32,
        mut shift: impl FnMut(&mut T),
    ) -> (Vec<T>, Vec<T>) {
        let front = old.partition_point(|x| (start(x) as usize) < self.front);
        let back = old
            .partition_point(|x| (start(x) as usize) < self.back)
            .max(front);
        let mut tail = old.split_off(back);
        old.truncate(front);
        for x in &mut tail {
            shift(x);
        }
        (old, tail)
    }
}

/// One top-level item's share of the index, worked out as if its text stood
/// at the start of a file (`FileId(0)`, offset 0) and moved to wherever the
/// same text stands in a later build, as the parse cache moves parses.
#[derive(Debug)]
struct Part {
    /// The item's trees (a chunk of text holds one item, or none when it
    /// does not parse).
    items: Vec<Item>,
    declared: Declared,
    /// Its text: the key it is found by in the next build.
    text: Arc<str>,
    /// What the item adds to the namespaces other items' names resolve in,
    /// without positions: moving an item or editing a rule's body leaves it
    /// unchanged, so the other items need not be resolved again.
    env: Arc<str>,
    has_let: bool,
    /// The item's occurrences, its definitions included, sorted, and the
    /// generation of the environment they were resolved in.
    walked: Option<(u64, Vec<Occurrence>)>,
}

/// What one item declares, in order; absorbing parts in file order gives
/// the maps a single pass over every item would.
#[derive(Debug, Default)]
struct Declared {
    defs: Vec<Def>,
    schemas: Ordered<Vec<(String, TypeExpr)>>,
    enums: Ordered<Vec<String>>,
    tables: Ordered<Vec<(String, TypeExpr)>>,
    subjects: Ordered<(String, String)>,
    outcomes: Ordered<Vec<String>>,
    values: Ordered<DefKind>,
    value_types: Ordered<AstTy>,
    rules: Vec<RuleInfo>,
    score_terms: Ordered<Vec<(String, String)>>,
}

/// Insertions into a map, kept in order to be replayed.
#[derive(Debug)]
struct Ordered<V>(Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V> Ordered<V> {
    fn insert(&mut self, key: String, value: V) {
        self.0.push((key, value));
    }
}

impl<V: Clone> Ordered<V> {
    fn replay(&self, into: &mut HashMap<String, V>) {
        for (k, v) in &self.0 {
            into.insert(k.clone(), v.clone());
        }
    }
}

impl Part {
    fn new(chunk: &str, cache: &mut lintas_syntax::ParseCache) -> Part {
        // Parsing the chunk alone at offset 0 gives the trees the parse
        // cache keeps for it, which the checker has just used.
        let items = lintas_syntax::parse_cached(FileId(0), chunk, cache)
            .file
            .items;
        let mut declared = Declared::default();
        for item in &items {
            declared.declare(item);
        }
        let env = declared.env().into();
        Part {
            has_let: items.iter().any(|i| matches!(i.kind, ItemKind::Let(_))),
            text: chunk.into(),
            items,
            declared,
            env,
            walked: None,
        }
    }

    /// Every name the item writes, resolved in `index`'s environment, with
    /// its definitions, sorted as [`Index::occurrences`] is.
    fn resolve(&self, index: &Index) -> Vec<Occurrence> {
        let mut found = Vec::new();
        for item in &self.items {
            let mut walker = Walker::new(index, None);
            walker.item(item);
            found.append(&mut walker.found);
        }
        found.extend(self.declared.defs.iter().map(|d| Occurrence {
            span: d.span,
            key: d.key.clone(),
            is_def: true,
        }));
        found.sort_by_key(|o| (o.span.start, o.span.end, !o.is_def));
        found.dedup_by(|a, b| a.span == b.span && a.key == b.key);
        found
    }

    fn lets(&self) -> impl Iterator<Item = &Let> {
        self.items.iter().filter_map(|i| match &i.kind {
            ItemKind::Let(l) => Some(l),
            _ => None,
        })
    }
}

/// Moves spans from where a part was worked out to where its text stands.
fn shift(offset: usize, file: FileId) -> Move {
    shift_by(i64::try_from(offset).unwrap_or(i64::MAX), file)
}

fn shift_by(delta: i64, file: FileId) -> Move {
    Move { file, delta }
}

/// Equal texts, comparing the pointers first: a part's text is shared by
/// every list that names it.
fn same_texts(a: &[Arc<str>], b: &[Arc<str>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| Arc::ptr_eq(x, y) || x == y)
}

impl Occurrence {
    fn moved(&self, to: Move) -> Occurrence {
        let mut occ = self.clone();
        occ.shift(to);
        occ
    }

    fn shift(&mut self, to: Move) {
        self.span.rebase(to);
        if let Key::Local(span) = &mut self.key {
            span.rebase(to);
        }
    }
}

impl Index {
    /// Indexes the files from scratch.
    pub fn build(db: &SourceDb, files: &[FileId], cache: &mut lintas_syntax::ParseCache) -> Index {
        Index::rebuild(&mut Index::default(), db, files, cache)
    }

    /// Indexes the files again after edits, reusing what `previous` worked
    /// out for every item whose text did not change: its trees and
    /// declarations always, its resolved names when no declaration that
    /// names resolve against changed. Editing a rule's condition in a
    /// 5,000-line file then resolves that one rule again, and the entries of
    /// the items around it are moved over from `previous`. The result
    /// equals [`Index::build`]'s.
    ///
    /// What is reused is taken out of `previous`; the rest of it is left for
    /// the caller to drop once nobody is waiting for an answer, since
    /// freeing a large index takes a few milliseconds.
    pub fn rebuild(
        previous: &mut Index,
        db: &SourceDb,
        files: &[FileId],
        cache: &mut lintas_syntax::ParseCache,
    ) -> Index {
        let mut reuse = std::mem::take(&mut previous.reuse);
        let old_generation = reuse.generation;
        // The previous build's lists are reused per file only when the file
        // was listed once then and is listed once now (packages never list
        // a file twice, but nothing else would be right then).
        let mut old_layout: HashMap<FileId, FileLayout> = HashMap::new();
        let mut twice: std::collections::HashSet<FileId> = std::collections::HashSet::new();
        for l in std::mem::take(&mut reuse.layout) {
            if let Some(dup) = old_layout.insert(l.file, l) {
                twice.insert(dup.file);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for f in files {
            if !seen.insert(*f) {
                twice.insert(*f);
            }
        }
        let mut old_defs: HashMap<FileId, Vec<Def>> = HashMap::new();
        for def in std::mem::take(&mut previous.defs) {
            old_defs.entry(def.span.file).or_default().push(def);
        }
        let mut old_occurrences = std::mem::take(&mut previous.occurrences);

        // Where every item stands and which part it is.
        let mut layout: Vec<FileLayout> = Vec::with_capacity(files.len());
        let mut kept: Vec<Kept> = Vec::with_capacity(files.len());
        for &file in files {
            let old = old_layout.remove(&file).filter(|_| !twice.contains(&file));
            let (l, k) = reuse.place(file, db.text(file), old, cache);
            layout.push(l);
            kept.push(k);
        }
        let mut used = vec![false; reuse.parts.len()];
        for &(_, id) in layout.iter().flat_map(|l| &l.placed) {
            if let Some(u) = used.get_mut(id) {
                *u = true;
            }
        }
        // Parts whose text is gone from every file go with `previous`.
        let mut gone = Vec::new();
        for (id, used) in used.iter().enumerate() {
            if !used && let Some(part) = reuse.parts.get_mut(id).and_then(Option::take) {
                reuse.by_text.remove(&part.text);
                reuse.free.push(id);
                gone.push(Some(part));
            }
        }

        // First the declarations, so that uses anywhere can be resolved.
        let mut index = Index {
            files: files.to_vec(),
            ..Index::default()
        };
        let mut env = Vec::with_capacity(used.len());
        let mut let_texts = Vec::new();
        for (l, k) in layout.iter().zip(&kept) {
            let (front, back) = k.split(
                old_defs.remove(&l.file).unwrap_or_default(),
                |d| d.span.start,
                |d| {
                    let to = shift_by(k.delta, l.file);
                    d.span.rebase(to);
                    d.full.rebase(to);
                },
            );
            index.defs.extend(front);
            for (n, &(at, id)) in l.placed.iter().enumerate() {
                let Some(p) = reuse.part(id) else {
                    continue;
                };
                let new = k.new.0 <= n && n < k.new.1;
                index.absorb(&p.declared, shift(at, l.file), new);
                env.push(p.env.clone());
                if p.has_let {
                    let_texts.push(p.text.clone());
                }
            }
            index.defs.extend(back);
        }
        let mut enums: Vec<(&String, &Vec<String>)> = index.enums.iter().collect();
        enums.sort();
        for (name, values) in enums {
            for v in values {
                if !index.enum_values.contains_key(v) {
                    index.enum_values.insert(v.clone(), name.clone());
                }
            }
        }

        // A let's type may need another let's: two rounds settle the usual
        // chains. The types depend only on the environment and the lets'
        // texts, so an edit elsewhere reuses them.
        let same_env = same_texts(&env, &reuse.env);
        let (let_types, same_types) = if same_env && same_texts(&let_texts, &reuse.let_texts) {
            for (name, ty) in &reuse.let_types {
                index.value_types.insert(name.clone(), ty.clone());
            }
            (std::mem::take(&mut reuse.let_types), true)
        } else {
            let lets: Vec<&Let> = layout
                .iter()
                .flat_map(|l| &l.placed)
                .filter_map(|&(_, id)| reuse.part(id))
                .flat_map(|p| p.lets())
                .collect();
            let mut last = Vec::new();
            for round in 0..2 {
                for l in &lets {
                    let mut walker = Walker::new(&index, first(&l.decisions));
                    let ty = walker.infer(&l.value);
                    index.value_types.insert(l.name.name.clone(), ty.clone());
                    if round == 1 {
                        last.push((l.name.name.clone(), ty));
                    }
                }
            }
            let same = last == reuse.let_types;
            (last, same)
        };

        // Then every name, resolved in that environment: an item resolved
        // in an equal one is not walked again.
        let generation = if same_env && same_types {
            old_generation
        } else {
            old_generation + 1
        };
        let mut resolved = 0;
        for p in reuse.parts.iter_mut().flatten() {
            if p.walked.as_ref().is_some_and(|(g, _)| *g == generation) {
                continue;
            }
            resolved += 1;
            p.walked = Some((generation, p.resolve(&index)));
        }
        for (l, k) in layout.iter().zip(&kept) {
            // Names in the kept items resolve as they did only in an equal
            // environment.
            let k = if generation == old_generation {
                *k
            } else {
                Kept::nothing(l.placed.len())
            };
            let (mut list, back) = k.split(
                old_occurrences.remove(&l.file).unwrap_or_default(),
                |o| o.span.start,
                |o| o.shift(shift_by(k.delta, l.file)),
            );
            for &(at, id) in l.placed.get(k.new.0..k.new.1).unwrap_or(&[]) {
                if let Some((_, found)) = reuse.part(id).and_then(|p| p.walked.as_ref()) {
                    // Items do not overlap, so a file's list is its items'
                    // sorted lists one after another.
                    let to = shift(at, l.file);
                    list.extend(found.iter().map(|o| o.moved(to)));
                }
            }
            list.extend(back);
            if !list.is_empty() {
                index.occurrences.insert(l.file, list);
            }
        }
        reuse.layout = layout;
        reuse.env = env;
        reuse.let_types = let_types;
        reuse.let_texts = let_texts;
        reuse.generation = generation;
        reuse.resolved = resolved;
        index.reuse = reuse;
        // What was not reused goes with `previous`.
        previous.reuse.parts = gone;
        previous.defs = old_defs.into_values().flatten().collect();
        previous.occurrences = old_occurrences;
        index
    }

    /// How many of its items this index resolved again rather than reused,
    /// and how many it holds.
    pub fn resolved(&self) -> (usize, usize) {
        (
            self.reuse.resolved,
            self.reuse.parts.iter().flatten().count(),
        )
    }

    /// Adds one item's declarations, moved to where the item stands; its
    /// definitions too unless they were kept from the previous build.
    fn absorb(&mut self, declared: &Declared, to: Move, defs: bool) {
        if defs {
            self.defs.extend(declared.defs.iter().map(|d| {
                let mut d = d.clone();
                d.span.rebase(to);
                d.full.rebase(to);
                d
            }));
        }
        let moved = |fields: &Vec<(String, TypeExpr)>| {
            fields
                .iter()
                .map(|(n, t)| {
                    let mut t = t.clone();
                    t.rebase(to);
                    (n.clone(), t)
                })
                .collect::<Vec<_>>()
        };
        for (name, fields) in &declared.schemas.0 {
            self.schemas.insert(name.clone(), moved(fields));
        }
        for (name, columns) in &declared.tables.0 {
            self.tables.insert(name.clone(), moved(columns));
        }
        declared.enums.replay(&mut self.enums);
        declared.subjects.replay(&mut self.subjects);
        declared.outcomes.replay(&mut self.outcomes);
        declared.values.replay(&mut self.values);
        declared.value_types.replay(&mut self.value_types);
        declared.score_terms.replay(&mut self.score_terms);
        self.rules.extend(declared.rules.iter().cloned());
    }

    /// The top-level items of a file, for features that need the trees
    /// (document symbols). They are moved into place on demand: most
    /// builds are never asked for them.
    pub fn items(&self, file: FileId) -> Vec<Item> {
        self.placed(file)
            .iter()
            .flat_map(|&(at, id)| self.moved_items(file, at, id))
            .collect()
    }

    /// The items of the chunk of text holding `offset` (code actions).
    pub fn items_at(&self, file: FileId, offset: u32) -> Vec<Item> {
        let placed = self.placed(file);
        let at = placed.partition_point(|&(at, _)| at <= offset as usize);
        match at.checked_sub(1).and_then(|i| placed.get(i)) {
            Some(&(at, id)) => self.moved_items(file, at, id),
            None => Vec::new(),
        }
    }

    fn placed(&self, file: FileId) -> &[(usize, usize)] {
        self.reuse
            .layout
            .iter()
            .find(|l| l.file == file)
            .map_or(&[], |l| l.placed.as_slice())
    }

    fn moved_items(&self, file: FileId, at: usize, id: usize) -> Vec<Item> {
        let Some(part) = self.reuse.parts.get(id).and_then(Option::as_ref) else {
            return Vec::new();
        };
        part.items
            .iter()
            .map(|item| {
                let mut item = item.clone();
                item.rebase(shift(at, file));
                item
            })
            .collect()
    }
}

impl Declared {
    #[allow(
        clippy::too_many_arguments,
        reason = "one call per kind of declaration reads best flat"
    )]
    fn def(
        &mut self,
        key: Key,
        kind: DefKind,
        ident: &Ident,
        full: Span,
        docs: &[String],
        detail: String,
        parent: Option<Key>,
    ) {
        self.defs.push(Def {
            key,
            kind,
            name: ident.name.clone(),
            span: ident.span,
            full,
            docs: docs.to_vec(),
            detail,
            parent,
        });
    }

    fn declare(&mut self, item: &Item) {
        let docs = &item.docs;
        let full = item.span;
        match &item.kind {
            ItemKind::Import(_) | ItemKind::Test(_) => {}
            ItemKind::Schema(s) => {
                let key = Key::Schema(s.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Schema,
                    &s.name,
                    full,
                    docs,
                    format!("schema {}", s.name.name),
                    None,
                );
                let mut fields = Vec::new();
                for f in &s.fields {
                    self.def(
                        Key::Field(s.name.name.clone(), f.name.name.clone()),
                        DefKind::Field,
                        &f.name,
                        f.span,
                        &f.docs,
                        type_text(&f.ty),
                        Some(key.clone()),
                    );
                    fields.push((f.name.name.clone(), f.ty.clone()));
                }
                self.schemas.insert(s.name.name.clone(), fields);
            }
            ItemKind::Enum(e) => {
                let key = Key::Enum(e.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Enum,
                    &e.name,
                    full,
                    docs,
                    format!("enum {}", e.name.name),
                    None,
                );
                let mut values = Vec::new();
                for v in &e.values {
                    self.def(
                        Key::EnumValue(e.name.name.clone(), v.name.name.clone()),
                        DefKind::EnumValue,
                        &v.name,
                        v.name.span,
                        &v.docs,
                        e.name.name.clone(),
                        Some(key.clone()),
                    );
                    values.push(v.name.name.clone());
                }
                self.enums.insert(e.name.name.clone(), values);
            }
            ItemKind::Set(s) => {
                self.def(
                    Key::Value(s.name.name.clone()),
                    DefKind::Set,
                    &s.name,
                    full,
                    docs,
                    format!("set of {}", type_text(&s.element)),
                    None,
                );
                self.values.insert(s.name.name.clone(), DefKind::Set);
            }
            ItemKind::Table(t) => {
                let key = Key::Value(t.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Table,
                    &t.name,
                    full,
                    docs,
                    "table".to_string(),
                    None,
                );
                self.values.insert(t.name.name.clone(), DefKind::Table);
                self.value_types
                    .insert(t.name.name.clone(), AstTy::Table(t.name.name.clone()));
                let mut columns = Vec::new();
                for c in &t.columns {
                    self.def(
                        Key::Column(t.name.name.clone(), c.name.name.clone()),
                        DefKind::Column,
                        &c.name,
                        c.span,
                        &c.docs,
                        type_text(&c.ty),
                        Some(key.clone()),
                    );
                    columns.push((c.name.name.clone(), c.ty.clone()));
                }
                self.tables.insert(t.name.name.clone(), columns);
            }
            ItemKind::Reason(c) => {
                self.def(
                    Key::Reason(c.name.name.clone()),
                    DefKind::Reason,
                    &c.name,
                    full,
                    docs,
                    description(c),
                    None,
                );
            }
            ItemKind::Purpose(c) => {
                self.def(
                    Key::Purpose(c.name.name.clone()),
                    DefKind::Purpose,
                    &c.name,
                    full,
                    docs,
                    description(c),
                    None,
                );
            }
            ItemKind::Decision(d) => {
                let name = d.name.name.clone();
                let key = Key::Decision(name.clone());
                self.def(
                    key.clone(),
                    DefKind::Decision,
                    &d.name,
                    full,
                    docs,
                    format!("decision for {}: {}", d.subject.name, d.schema.name),
                    None,
                );
                self.def(
                    Key::Subject(name.clone()),
                    DefKind::Subject,
                    &d.subject,
                    d.subject.span,
                    &[],
                    d.schema.name.clone(),
                    Some(key.clone()),
                );
                self.subjects.insert(
                    name.clone(),
                    (d.subject.name.clone(), d.schema.name.clone()),
                );
                let mut outcomes = Vec::new();
                for clause in &d.clauses {
                    match clause {
                        DecisionClause::Outcomes(list, _) => {
                            for o in list {
                                self.def(
                                    Key::Outcome(name.clone(), o.name.clone()),
                                    DefKind::Outcome,
                                    o,
                                    o.span,
                                    &[],
                                    format!("outcome of {name}"),
                                    Some(key.clone()),
                                );
                                outcomes.push(o.name.clone());
                            }
                        }
                        DecisionClause::Aggregate(a) => {
                            self.def(
                                Key::Value(a.name.name.clone()),
                                DefKind::Aggregate,
                                &a.name,
                                a.span,
                                &[],
                                "aggregate: Int".to_string(),
                                Some(key.clone()),
                            );
                            self.values.insert(a.name.name.clone(), DefKind::Aggregate);
                        }
                        DecisionClause::Default(..) | DecisionClause::OnError(..) => {}
                    }
                }
                self.outcomes.insert(name, outcomes);
            }
            ItemKind::Rule(r) => {
                let decisions: Vec<String> = r.decisions.iter().map(|d| d.name.clone()).collect();
                self.def(
                    Key::Rule(r.name.name.clone()),
                    DefKind::Rule,
                    &r.name,
                    full,
                    docs,
                    format!("rule for {}", decisions.join(", ")),
                    None,
                );
                let mut info = RuleInfo {
                    name: r.name.name.clone(),
                    description: r.description.as_ref().map(|s| s.value.clone()),
                    source: None,
                    from: None,
                    to: None,
                    mode: Mode::Enforce,
                    decisions,
                    outcome: r.outcome.name.clone(),
                    reason: r.reason.name.clone(),
                };
                for clause in &r.clauses {
                    match clause {
                        RuleClause::Source(s) => info.source = Some(s.value.clone()),
                        RuleClause::Effective { from, to, .. } => {
                            info.from = from.as_ref().map(|d| d.text.clone());
                            info.to = to.as_ref().map(|d| d.text.clone());
                        }
                        RuleClause::Mode(m, _) => info.mode = *m,
                        RuleClause::AppliesTo(..) => {}
                    }
                }
                self.rules.push(info);
            }
            ItemKind::Score(s) => {
                let key = Key::Value(s.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Score,
                    &s.name,
                    full,
                    docs,
                    "score".to_string(),
                    None,
                );
                self.values.insert(s.name.name.clone(), DefKind::Score);
                let mut terms = Vec::new();
                for t in &s.terms {
                    let weight = lintas_syntax::format::flat(&t.weight);
                    self.def(
                        Key::ScoreTerm(s.name.name.clone(), t.name.name.clone()),
                        DefKind::ScoreTerm,
                        &t.name,
                        t.span,
                        &t.docs,
                        format!("weight {weight}"),
                        Some(key.clone()),
                    );
                    terms.push((t.name.name.clone(), weight));
                }
                self.score_terms.insert(s.name.name.clone(), terms);
            }
            ItemKind::Let(l) => {
                self.def(
                    Key::Value(l.name.name.clone()),
                    DefKind::Let,
                    &l.name,
                    full,
                    docs,
                    "let".to_string(),
                    None,
                );
                self.values.insert(l.name.name.clone(), DefKind::Let);
            }
            ItemKind::DecisionTable(t) => {
                self.def(
                    Key::Value(t.name.name.clone()),
                    DefKind::DecisionTable,
                    &t.name,
                    full,
                    docs,
                    format!("decision table, hit {}", t.hit.as_str()),
                    None,
                );
                self.values
                    .insert(t.name.name.clone(), DefKind::DecisionTable);
            }
            ItemKind::Sharing(s) => {
                let key = Key::Sharing(s.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Sharing,
                    &s.name,
                    full,
                    docs,
                    format!("sharing for {}: {}", s.subject.name, s.schema.name),
                    None,
                );
                let subject_key = format!("sharing {}", s.name.name);
                self.def(
                    Key::Subject(subject_key.clone()),
                    DefKind::Subject,
                    &s.subject,
                    s.subject.span,
                    &[],
                    s.schema.name.clone(),
                    Some(key),
                );
                self.subjects
                    .insert(subject_key, (s.subject.name.clone(), s.schema.name.clone()));
            }
        }
    }

    /// The declarations other items' names resolve against, as text
    /// without positions (see [`Part::env`]).
    fn env(&self) -> String {
        let typed = |fields: &Vec<(String, TypeExpr)>| {
            fields
                .iter()
                .map(|(n, t)| (n.clone(), type_text(t)))
                .collect::<Vec<_>>()
        };
        let schemas: Vec<_> = self.schemas.0.iter().map(|(n, f)| (n, typed(f))).collect();
        let tables: Vec<_> = self.tables.0.iter().map(|(n, c)| (n, typed(c))).collect();
        format!(
            "{:?}",
            (
                schemas,
                tables,
                &self.enums.0,
                &self.subjects.0,
                &self.outcomes.0,
                &self.values.0,
                &self.value_types.0,
            )
        )
    }
}

impl Index {
    /// The occurrence under a byte offset, preferring one that starts there
    /// or ends there (the cursor just after a name).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let list = self.occurrences.get(&file)?;
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        list.iter()
            .find(|o| o.span.start <= offset && offset < o.span.end)
            .or_else(|| {
                list.iter()
                    .find(|o| o.span.end == offset && o.span.start < offset)
            })
    }

    pub fn defs_of(&self, key: &Key) -> impl Iterator<Item = &Def> {
        self.defs.iter().filter(move |d| &d.key == key)
    }

    pub fn occurrences_of<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences
            .values()
            .flat_map(|l| l.iter())
            .filter(move |o| &o.key == key)
    }

    /// The type named by a type expression.
    pub fn resolve_type(&self, ty: &TypeExpr) -> AstTy {
        match ty {
            TypeExpr::Named(id) => {
                if self.schemas.contains_key(&id.name) {
                    AstTy::Schema(id.name.clone())
                } else if self.enums.contains_key(&id.name) {
                    AstTy::Enum(id.name.clone())
                } else {
                    AstTy::Unknown
                }
            }
            TypeExpr::Optional(inner, _) => self.resolve_type(inner),
            TypeExpr::List(inner, _) => AstTy::List(Box::new(self.resolve_type(inner))),
        }
    }

    /// The fields of a value of this type, with their keys and types.
    pub fn fields_of(&self, ty: &AstTy) -> Vec<(Key, String, &TypeExpr)> {
        match ty {
            AstTy::Schema(s) => self
                .schemas
                .get(s)
                .map(|fs| {
                    fs.iter()
                        .map(|(n, t)| (Key::Field(s.clone(), n.clone()), n.clone(), t))
                        .collect()
                })
                .unwrap_or_default(),
            AstTy::Row(t) => self
                .tables
                .get(t)
                .map(|cs| {
                    cs.iter()
                        .map(|(n, ty)| (Key::Column(t.clone(), n.clone()), n.clone(), ty))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// One field (or column) of a value of this type, with its key and
    /// type: [`Index::fields_of`] without building the whole list, for the
    /// walk, which asks this for every `a.b` in the package.
    pub fn field(&self, ty: &AstTy, name: &str) -> Option<(Key, &TypeExpr)> {
        match ty {
            AstTy::Schema(s) => {
                let (n, t) = self.schemas.get(s)?.iter().find(|(n, _)| n == name)?;
                Some((Key::Field(s.clone(), n.clone()), t))
            }
            AstTy::Row(t) => {
                let (n, ty) = self.tables.get(t)?.iter().find(|(n, _)| n == name)?;
                Some((Key::Column(t.clone(), n.clone()), ty))
            }
            _ => None,
        }
    }

    /// The subject (name, schema) of a decision or sharing.
    pub fn subject_of(&self, decision: &str) -> Option<&(String, String)> {
        self.subjects.get(decision)
    }

    /// Which enum a bare name is a value of.
    pub fn enum_of_value(&self, name: &str) -> Option<&str> {
        self.enum_values.get(name).map(String::as_str)
    }
}

fn first(idents: &[Ident]) -> Option<String> {
    idents.first().map(|i| i.name.clone())
}

fn description(c: &CodeDecl) -> String {
    c.description
        .as_ref()
        .map(|d| d.value.clone())
        .unwrap_or_default()
}

/// A type expression as written.
pub fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(id) => id.name.clone(),
        TypeExpr::Optional(inner, _) => format!("optional {}", type_text(inner)),
        TypeExpr::List(inner, _) => format!("list of {}", type_text(inner)),
    }
}

/// Walks one item's expressions, resolving names in scope.
struct Walker<'a> {
    index: &'a Index,
    /// The decision whose subject is in scope, if any.
    decision: Option<String>,
    locals: Vec<(String, Span, AstTy)>,
    found: Vec<Occurrence>,
    depth: usize,
}

impl<'a> Walker<'a> {
    fn new(index: &'a Index, decision: Option<String>) -> Walker<'a> {
        Walker {
            index,
            decision,
            locals: Vec::new(),
            found: Vec::new(),
            depth: 0,
        }
    }

    fn add(&mut self, span: Span, key: Key) {
        self.found.push(Occurrence {
            span,
            key,
            is_def: false,
        });
    }

    fn decision_refs(&mut self, decisions: &[Ident]) {
        for d in decisions {
            if self.index.subjects.contains_key(&d.name) {
                self.add(d.span, Key::Decision(d.name.clone()));
            }
        }
        self.decision = first(decisions);
    }

    fn type_ref(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::Named(id) => {
                if self.index.schemas.contains_key(&id.name) {
                    self.add(id.span, Key::Schema(id.name.clone()));
                } else if self.index.enums.contains_key(&id.name) {
                    self.add(id.span, Key::Enum(id.name.clone()));
                }
            }
            TypeExpr::Optional(inner, _) | TypeExpr::List(inner, _) => self.type_ref(inner),
        }
    }

    fn outcome(&mut self, decisions: &[String], id: &Ident) {
        for d in decisions {
            if self
                .index
                .outcomes
                .get(d)
                .is_some_and(|os| os.contains(&id.name))
            {
                self.add(id.span, Key::Outcome(d.clone(), id.name.clone()));
            }
        }
    }

    fn reason(&mut self, id: &Ident) {
        self.add(id.span, Key::Reason(id.name.clone()));
    }

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Import(_) | ItemKind::Reason(_) | ItemKind::Purpose(_) => {}
            ItemKind::Schema(s) => {
                for f in &s.fields {
                    self.type_ref(&f.ty);
                }
            }
            ItemKind::Enum(_) => {}
            ItemKind::Set(s) => {
                self.type_ref(&s.element);
                if let SetContents::Inline(values) = &s.contents {
                    for v in values {
                        self.expr(v);
                    }
                }
            }
            ItemKind::Table(t) => {
                for c in &t.columns {
                    self.type_ref(&c.ty);
                }
                if let TableContents::Rows(rows) = &t.contents {
                    for row in rows {
                        for cell in &row.cells {
                            self.expr(cell);
                        }
                    }
                }
            }
            ItemKind::Decision(d) => {
                self.decision = Some(d.name.name.clone());
                if self.index.schemas.contains_key(&d.schema.name) {
                    self.add(d.schema.span, Key::Schema(d.schema.name.clone()));
                }
                let name = vec![d.name.name.clone()];
                for clause in &d.clauses {
                    match clause {
                        DecisionClause::Default(o, _) | DecisionClause::OnError(o, _) => {
                            self.outcome(&name, o)
                        }
                        DecisionClause::Aggregate(a) => {
                            for k in &a.keys {
                                self.expr(k);
                            }
                            if let Some(f) = &a.filter {
                                self.expr(f);
                            }
                        }
                        DecisionClause::Outcomes(..) => {}
                    }
                }
            }
            ItemKind::Rule(r) => {
                self.decision_refs(&r.decisions);
                for clause in &r.clauses {
                    if let RuleClause::AppliesTo(list, _) = clause {
                        for e in list {
                            self.expr(e);
                        }
                    }
                }
                self.expr(&r.condition);
                let decisions: Vec<String> = r.decisions.iter().map(|d| d.name.clone()).collect();
                self.outcome(&decisions, &r.outcome);
                self.reason(&r.reason);
                for b in &r.values {
                    self.expr(&b.value);
                }
            }
            ItemKind::Score(s) => {
                self.decision_refs(&s.decisions);
                for t in &s.terms {
                    self.expr(&t.weight);
                    if let Some(c) = &t.condition {
                        self.expr(c);
                    }
                }
            }
            ItemKind::Let(l) => {
                self.decision_refs(&l.decisions);
                self.expr(&l.value);
            }
            ItemKind::DecisionTable(t) => {
                self.decision_refs(&t.decisions);
                if let Some(d) = &t.default {
                    self.expr(d);
                }
                for i in &t.inputs {
                    self.expr(i);
                }
                for row in &t.rows {
                    for cell in &row.cells {
                        match cell {
                            Cell::Any(_) => {}
                            Cell::In(e, _) | Cell::NotIn(e, _) | Cell::Compare(_, e, _) => {
                                self.expr(e);
                            }
                            Cell::Values(es, _) => {
                                for e in es {
                                    self.expr(e);
                                }
                            }
                        }
                    }
                    self.expr(&row.result);
                }
            }
            ItemKind::Sharing(s) => {
                self.decision = Some(format!("sharing {}", s.name.name));
                if self.index.schemas.contains_key(&s.schema.name) {
                    self.add(s.schema.span, Key::Schema(s.schema.name.clone()));
                }
                for clause in &s.clauses {
                    match clause {
                        SharingClause::Withhold(w) => {
                            for f in &w.fields {
                                self.expr(f);
                            }
                            if let Some(u) = &w.unless {
                                self.expr(u);
                            }
                        }
                        SharingClause::Allow(a) => {
                            for f in &a.fields {
                                self.expr(f);
                            }
                            self.expr(&a.recipients);
                            for p in &a.purposes {
                                self.add(p.span, Key::Purpose(p.name.clone()));
                            }
                            if let Some(c) = &a.condition {
                                self.expr(c);
                            }
                        }
                    }
                }
            }
            ItemKind::Test(t) => self.test(t),
        }
    }

    fn test(&mut self, t: &Test) {
        let target = t.target.name.clone();
        let sharing_key = format!("sharing {target}");
        let subject_schema = if let Some((_, schema)) = self.index.subjects.get(&target) {
            self.add(t.target.span, Key::Decision(target.clone()));
            Some(schema.clone())
        } else if let Some((_, schema)) = self.index.subjects.get(&sharing_key) {
            self.add(t.target.span, Key::Sharing(target.clone()));
            self.decision = Some(sharing_key);
            Some(schema.clone())
        } else {
            None
        };
        if self.decision.is_none() {
            self.decision = Some(target.clone());
        }
        let record = subject_schema.map_or(AstTy::Unknown, AstTy::Schema);
        let decisions = vec![target];
        for clause in &t.clauses {
            match clause {
                TestClause::Context(e) => {
                    self.expr(e);
                }
                TestClause::Given {
                    manifest, value, ..
                } => {
                    let expected = if *manifest {
                        AstTy::List(Box::new(record.clone()))
                    } else {
                        record.clone()
                    };
                    self.literal(value, &expected);
                }
                TestClause::Expect(x) => match x {
                    Expectation::Outcome(o) | Expectation::Member { outcome: o, .. } => {
                        self.outcome(&decisions, &o.outcome);
                        for r in o.reasons.iter().flatten() {
                            self.reason(&r.code);
                            for b in &r.values {
                                self.expr(&b.value);
                            }
                        }
                    }
                    Expectation::Shared(es, _) | Expectation::Withheld(es, _) => {
                        for e in es {
                            self.expr(e);
                        }
                    }
                },
            }
        }
    }

    /// A test's input: record keys are the schema's fields.
    fn literal(&mut self, e: &Expr, expected: &AstTy) {
        if self.depth > 64 {
            return;
        }
        self.depth += 1;
        match (&e.kind, expected) {
            (ExprKind::Record(fields), AstTy::Schema(_)) => {
                for (name, value) in fields {
                    match self.index.field(expected, &name.name) {
                        Some((key, ty)) => {
                            self.add(name.span, key);
                            let ty = self.index.resolve_type(ty);
                            self.literal(value, &ty);
                        }
                        None => self.literal(value, &AstTy::Unknown),
                    }
                }
            }
            (ExprKind::List(items), AstTy::List(inner)) => {
                for i in items {
                    self.literal(i, inner);
                }
            }
            (ExprKind::Record(fields), _) => {
                for (_, value) in fields {
                    self.literal(value, &AstTy::Unknown);
                }
            }
            (ExprKind::List(items), _) => {
                for i in items {
                    self.literal(i, &AstTy::Unknown);
                }
            }
            (ExprKind::Name(id), AstTy::Enum(en)) => {
                if self
                    .index
                    .enums
                    .get(en)
                    .is_some_and(|vs| vs.contains(&id.name))
                {
                    self.add(id.span, Key::EnumValue(en.clone(), id.name.clone()));
                }
            }
            _ => {
                self.expr(e);
            }
        }
        self.depth -= 1;
    }

    /// Resolves the names in an expression and gives its type, as far as
    /// the syntax shows it.
    fn expr(&mut self, e: &Expr) -> AstTy {
        if self.depth > 256 {
            return AstTy::Unknown;
        }
        self.depth += 1;
        let ty = self.expr_inner(e);
        self.depth -= 1;
        ty
    }

    fn infer(&mut self, e: &Expr) -> AstTy {
        let ty = self.expr(e);
        self.found.clear();
        ty
    }

    fn name(&mut self, id: &Ident) -> AstTy {
        if let Some((_, span, ty)) = self.locals.iter().rev().find(|(n, _, _)| *n == id.name) {
            let (span, ty) = (*span, ty.clone());
            self.add(id.span, Key::Local(span));
            return ty;
        }
        if let Some(decision) = &self.decision
            && let Some((subject, schema)) = self.index.subjects.get(decision)
            && *subject == id.name
        {
            let (decision, schema) = (decision.clone(), schema.clone());
            self.add(id.span, Key::Subject(decision));
            return AstTy::Schema(schema);
        }
        if self.index.values.contains_key(&id.name) {
            self.add(id.span, Key::Value(id.name.clone()));
            return self
                .index
                .value_types
                .get(&id.name)
                .cloned()
                .unwrap_or(AstTy::Unknown);
        }
        if let Some(en) = self.index.enum_of_value(&id.name) {
            let en = en.to_string();
            self.add(id.span, Key::EnumValue(en.clone(), id.name.clone()));
            return AstTy::Enum(en);
        }
        AstTy::Unknown
    }

    fn expr_inner(&mut self, e: &Expr) -> AstTy {
        match &e.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Text(_)
            | ExprKind::Date(_)
            | ExprKind::Duration { .. } => AstTy::Unknown,
            ExprKind::Name(id) => self.name(id),
            ExprKind::Field(base, name) => {
                let base_ty = self.expr(base);
                match self.index.field(&base_ty, &name.name) {
                    Some((key, ty)) => {
                        let resolved = self.index.resolve_type(ty);
                        self.add(name.span, key);
                        resolved
                    }
                    None => AstTy::Unknown,
                }
            }
            ExprKind::Index(base, keys) => {
                let base_ty = self.expr(base);
                for k in keys {
                    self.expr(k);
                }
                match base_ty {
                    AstTy::Table(t) => AstTy::Row(t),
                    AstTy::List(inner) => *inner,
                    _ => AstTy::Unknown,
                }
            }
            ExprKind::Call(_, args) => {
                for a in args {
                    self.expr(a);
                }
                AstTy::Unknown
            }
            ExprKind::Unary(_, inner) | ExprKind::Presence(inner, _) => {
                self.expr(inner);
                AstTy::Unknown
            }
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Binary(op, l, r) => {
                let lt = self.expr(l);
                let rt = self.expr(r);
                if *op == BinOp::Otherwise {
                    if lt == AstTy::Unknown { rt } else { lt }
                } else {
                    AstTy::Unknown
                }
            }
            ExprKind::If(c, t, f) => {
                self.expr(c);
                let tt = self.expr(t);
                let ft = self.expr(f);
                if tt == AstTy::Unknown { ft } else { tt }
            }
            ExprKind::Quantifier {
                var, over, body, ..
            } => {
                let over_ty = self.expr(over);
                let element = match over_ty {
                    AstTy::List(inner) => *inner,
                    _ => AstTy::Unknown,
                };
                self.found.push(Occurrence {
                    span: var.span,
                    key: Key::Local(var.span),
                    is_def: true,
                });
                self.locals.push((var.name.clone(), var.span, element));
                self.expr(body);
                self.locals.pop();
                AstTy::Unknown
            }
            ExprKind::List(items) => {
                let mut element = AstTy::Unknown;
                for i in items {
                    let t = self.expr(i);
                    if element == AstTy::Unknown {
                        element = t;
                    }
                }
                AstTy::List(Box::new(element))
            }
            ExprKind::Record(fields) => {
                for (_, v) in fields {
                    self.expr(v);
                }
                AstTy::Unknown
            }
        }
    }
}

/// Resolves a dotted chain typed in a half-written line (`traveller.doc`),
/// for completion, using what the index knows of the enclosing item.
pub fn chain_type(
    index: &Index,
    chain: &[&str],
    item_text: &str,
    decision: Option<&str>,
    depth: usize,
) -> AstTy {
    let Some((root, rest)) = chain.split_first() else {
        return AstTy::Unknown;
    };
    if depth > 8 {
        return AstTy::Unknown;
    }
    let mut ty = root_type(index, root, item_text, decision, depth);
    for name in rest {
        ty = match index.field(&ty, name) {
            Some((_, t)) => index.resolve_type(t),
            None => return AstTy::Unknown,
        };
        if let AstTy::List(inner) = ty {
            // `a.list.x` is not valid, but a list's element is what a
            // quantifier variable over it holds.
            ty = AstTy::List(inner);
        }
    }
    ty
}

fn root_type(
    index: &Index,
    root: &str,
    item_text: &str,
    decision: Option<&str>,
    depth: usize,
) -> AstTy {
    // A quantifier variable: `any visit in traveller.visited where`.
    let words: Vec<&str> = item_text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    for w in words.windows(4).rev() {
        if let [q, var, kw_in, over] = w
            && matches!(*q, "any" | "all" | "count")
            && *var == root
            && *kw_in == "in"
        {
            let over_chain: Vec<&str> = over.split('.').collect();
            if let AstTy::List(inner) =
                chain_type(index, &over_chain, item_text, decision, depth + 1)
            {
                return *inner;
            }
        }
    }
    if let Some(d) = decision
        && let Some((subject, schema)) = index.subjects.get(d)
        && subject == root
    {
        return AstTy::Schema(schema.clone());
    }
    let mut decisions: Vec<&String> = index.subjects.keys().collect();
    decisions.sort();
    for d in decisions {
        if let Some((subject, schema)) = index.subjects.get(d)
            && subject == root
        {
            return AstTy::Schema(schema.clone());
        }
    }
    if let Some(ty) = index.value_types.get(root) {
        return ty.clone();
    }
    AstTy::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use lintas_check::workspace::{PackageId, Workspace};
    use lintas_syntax::ParseCache;

    /// The files a package's index covers: its bases' first.
    fn files_of(ws: &Workspace, root: PackageId) -> Vec<FileId> {
        let mut chain = vec![root];
        let mut current = root;
        while let Some(base) = ws.package(current).and_then(|p| p.base) {
            if chain.contains(&base) {
                break;
            }
            chain.push(base);
            current = base;
        }
        chain
            .iter()
            .rev()
            .filter_map(|p| ws.package(*p))
            .flat_map(|p| p.sources.iter().copied())
            .collect()
    }

    /// Where each word, number, string or symbol of a text starts and ends.
    fn tokens(text: &str) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if c.is_whitespace() {
                continue;
            }
            let mut end = start + c.len_utf8();
            if c.is_alphanumeric() || c == '_' {
                while let Some(&(i, d)) = chars.peek() {
                    if !(d.is_alphanumeric() || d == '_') {
                        break;
                    }
                    end = i + d.len_utf8();
                    chars.next();
                }
            }
            found.push((start, end));
        }
        found
    }

    /// Fails with the first part of the two indexes that differs.
    fn assert_same(rebuilt: &Index, fresh: &Index, what: &str) {
        assert_eq!(rebuilt.files, fresh.files, "{what}: files");
        assert!(rebuilt.defs == fresh.defs, "{what}: definitions differ");
        assert!(
            rebuilt.occurrences == fresh.occurrences,
            "{what}: occurrences differ"
        );
        assert!(rebuilt.schemas == fresh.schemas, "{what}: schemas differ");
        assert_eq!(rebuilt.enums, fresh.enums, "{what}: enums");
        assert!(rebuilt.tables == fresh.tables, "{what}: tables differ");
        assert_eq!(rebuilt.subjects, fresh.subjects, "{what}: subjects");
        assert_eq!(rebuilt.outcomes, fresh.outcomes, "{what}: outcomes");
        assert_eq!(rebuilt.values, fresh.values, "{what}: values");
        assert_eq!(rebuilt.value_types, fresh.value_types, "{what}: types");
        assert!(rebuilt.rules == fresh.rules, "{what}: rules differ");
        assert_eq!(rebuilt.score_terms, fresh.score_terms, "{what}: terms");
        for &file in &fresh.files {
            assert!(
                rebuilt.items(file) == fresh.items(file),
                "{what}: the trees of {file:?} differ"
            );
        }
    }

    /// What the build and the rebuild share is checked against the text:
    /// the trees equal a fresh parse's, and every name is where it says.
    fn assert_in_place(index: &Index, ws: &Workspace, file: FileId, what: &str) {
        let text = ws.db.text(file);
        assert!(
            index.items(file) == lintas_syntax::parse(file, text).file.items,
            "{what}: the trees are not where a fresh parse puts them"
        );
        let at = |span: Span| text.get(span.start as usize..span.end as usize);
        for def in index.defs.iter().filter(|d| d.span.file == file) {
            assert_eq!(at(def.span), Some(def.name.as_str()), "{what}: {def:?}");
            assert!(
                def.full.file == file
                    && def.full.start <= def.span.start
                    && def.span.end <= def.full.end,
                "{what}: {def:?}"
            );
        }
        for occ in index.occurrences.get(&file).into_iter().flatten() {
            assert_eq!(occ.span.file, file, "{what}: {occ:?}");
            match &occ.key {
                Key::Local(var) => assert_eq!(at(*var), at(occ.span), "{what}: {occ:?}"),
                Key::Subject(_) => {}
                key => assert_eq!(at(occ.span), Some(key.name()), "{what}: {occ:?}"),
            }
        }
    }

    #[test]
    fn rebuilding_after_edits_equals_building_afresh_for_every_rule_file() {
        // The language server rebuilds the index after every edit from the
        // previous one; it must give exactly what a build from nothing
        // gives, whether the edit touched a rule's body (the other items
        // are reused), a declaration (every item is resolved again) or the
        // item boundaries.
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
        let mut ws = lintas_load::load_paths(&[rules]).unwrap();
        let roots = ws.roots.clone();
        assert!(roots.len() >= 4, "the rules/ packages are missing");
        let mut cache = ParseCache::new();
        let mut indexes: Vec<Index> = roots
            .iter()
            .map(|r| Index::build(&ws.db, &files_of(&ws, *r), &mut cache))
            .collect();
        let mut edited: Vec<FileId> = Vec::new();
        for root in &roots {
            for f in files_of(&ws, *root) {
                if !edited.contains(&f) {
                    edited.push(f);
                }
            }
        }
        let mut compared = 0;
        for file in edited {
            let original = ws.db.text(file).to_string();
            let bounds = tokens(&original);
            let step = (bounds.len() / 4).max(1);
            let mut current = original.clone();
            let mut edits: Vec<String> = Vec::new();
            for (n, &(start, end)) in bounds.iter().enumerate().step_by(step) {
                // Alternately delete and double a token, keeping the edits;
                // offsets are the original's, so later edits land near,
                // not exactly on, a token.
                let (start, end) = (start.min(current.len()), end.min(current.len()));
                if !current.is_char_boundary(start) || !current.is_char_boundary(end) {
                    continue;
                }
                let token = current[start..end].to_string();
                current = if n % 2 == 0 {
                    format!("{}{}", &current[..start], &current[end..])
                } else {
                    format!("{}{token}{}", &current[..end], &current[end..])
                };
                edits.push(current.clone());
            }
            // And back to the original, which reuses nothing of the edits.
            edits.push(original.clone());
            for (n, text) in edits.into_iter().enumerate() {
                ws.db.set_text(file, text);
                // The package that holds the file and one overlay of it;
                // the other overlays' indexes are rebuilt later from older
                // ones, several edits behind.
                let mut holders = 0;
                for (root, index) in roots.iter().zip(indexes.iter_mut()) {
                    let files = files_of(&ws, *root);
                    if !files.contains(&file) || holders == 2 {
                        continue;
                    }
                    holders += 1;
                    let rebuilt = Index::rebuild(index, &ws.db, &files, &mut cache);
                    // The parse cache is shared: it is proven equal to
                    // fresh parsing on its own (lintas-syntax), and this
                    // test is about reusing the index's parts.
                    let fresh = Index::build(&ws.db, &files, &mut cache);
                    let what = format!("{} after edit {n}", ws.db.path(file));
                    assert_same(&rebuilt, &fresh, &what);
                    assert_in_place(&fresh, &ws, file, &what);
                    *index = rebuilt;
                    compared += 1;
                }
            }
        }
        assert!(compared > 200, "only {compared} comparisons");
    }

    #[test]
    fn an_edit_inside_a_rule_resolves_that_rule_again_and_reuses_the_rest() {
        let reference =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/reference");
        let mut ws = lintas_load::load_paths(&[reference]).unwrap();
        let files = files_of(&ws, ws.roots[0]);
        let mut cache = ParseCache::new();
        let mut index = Index::build(&ws.db, &files, &mut cache);
        let (resolved, parts) = index.resolved();
        assert_eq!(resolved, parts);
        let file_named = |ws: &Workspace, name: &str| {
            files
                .iter()
                .copied()
                .find(|f| ws.db.path(*f).ends_with(name))
                .unwrap()
        };
        // A rule's condition: only that rule is resolved again, wherever
        // the items after it moved to.
        let policy = file_named(&ws, "policy.lintas");
        let text = ws.db.text(policy).replace(
            "traveller.stay_days <= 30)",
            "traveller.stay_days <= 30 + 1)",
        );
        ws.db.set_text(policy, text);
        index = Index::rebuild(&mut index, &ws.db, &files, &mut cache);
        assert_eq!(index.resolved().0, 1);
        // A let's value keeps its type: the same.
        let text = ws.db.text(policy).replace(
            "years_between(traveller.birth_date, traveller.arrival_date)",
            "years_between(traveller.birth_date, traveller.arrival_date) + 0",
        );
        ws.db.set_text(policy, text);
        index = Index::rebuild(&mut index, &ws.db, &files, &mut cache);
        assert_eq!(index.resolved().0, 1);
        // A let's type changed: a field access on it resolves now, so every
        // item is resolved again.
        let text = ws.db.text(policy).replace(
            "years_between(traveller.birth_date, traveller.arrival_date) + 0",
            "traveller.document",
        );
        ws.db.set_text(policy, text);
        index = Index::rebuild(&mut index, &ws.db, &files, &mut cache);
        assert_eq!(
            index.value_types.get("age"),
            Some(&AstTy::Schema("Document".into()))
        );
        assert_eq!(index.resolved().0, index.resolved().1);
        assert_same(&index, &Index::build(&ws.db, &files, &mut cache), "age");
        // A field renamed: every name may resolve differently now.
        let schema = file_named(&ws, "schema.lintas");
        let text = ws.db.text(schema).replace("stay_days: Int", "stay: Int");
        ws.db.set_text(schema, text);
        index = Index::rebuild(&mut index, &ws.db, &files, &mut cache);
        let (resolved, parts) = index.resolved();
        assert_eq!(resolved, parts);
        // The uses of the old name in other items resolve to nothing now.
        let old = Key::Field("Traveller".into(), "stay_days".into());
        assert_eq!(index.occurrences_of(&old).count(), 0);
    }
}
