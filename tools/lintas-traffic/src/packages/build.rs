//! Puts a package together: schema, data, constants, decisions with their
//! lets, scores, tables and aggregates, rules, and the files they go in.

use super::data::{self, Anchors};
use super::derived::Item;
use super::dict::Dict;
use super::draw;
use super::exprs::{Gen, Pos};
use super::ident::Names;
use super::model::{Ty, Universe};
use super::pools;
use super::rules::{Decision, Reasons, Rule, RuleSpec};
use super::schema;
use super::scope::{Named, NamedKind, Scope};
use super::values;
use crate::Rng;
use std::collections::{BTreeMap, BTreeSet};

/// A generated package and what traffic for it is made from.
pub(crate) struct Built {
    pub files: Vec<(String, String)>,
    pub decisions: Vec<String>,
    pub manifest_decisions: Vec<String>,
    pub universe: Universe,
    pub dict: Dict,
    pub dates: Vec<i64>,
    pub members: Vec<String>,
}

struct DecisionBuild {
    decision: Decision,
    scope: Scope,
    items: Vec<String>,
    rules: Vec<Rule>,
}

/// Dates contexts are planned around: leap days, month and year ends.
const SLOT_DATES: &[(i64, u32, u32)] = &[
    (2024, 2, 29),
    (2025, 1, 31),
    (2026, 3, 1),
    (2025, 12, 31),
    (2024, 12, 31),
    (2028, 2, 29),
    (2026, 2, 28),
    (2025, 3, 31),
    (2026, 1, 1),
    (2027, 6, 15),
];
const SLOTS: usize = 4;

const DECISION_NAMES: &[&str] = &[
    "admission",
    "autogate",
    "transit_check",
    "screening",
    "visa_check",
    "ตรวจคนเข้าเมือง",
    "kiểm_soát",
];
const MANIFEST_NAMES: &[&str] = &["pre_arrival", "manifest_screening", "crew_check"];

pub(crate) fn build(seed: u64) -> Built {
    let mut rng = Rng::new(seed);
    let mut names = Names::default();
    for taken in ["context", "EVALUATION_ERROR", "INPUT_INVALID"] {
        names.claim(taken);
    }
    let (dates, members) = slots(&mut rng);
    let schema = schema::generate(&mut rng, &mut names);
    let mut u = schema.universe;
    let u_dial = u.dial.clone();
    let mut dict = Dict::default();
    let anchors = Anchors {
        dates: &dates,
        members: &members,
    };
    let data = data::generate(&mut rng, &mut names, &mut u, &mut dict, &anchors);
    let mut g = Gen {
        rng,
        u,
        data,
        dict,
        names,
        touched: Default::default(),
        dial: format!("{}.{}", schema.subject, u_dial),
        dates,
        members,
    };
    let subject = schema.subject;
    let schema_name =
        g.u.record(g.u.subject)
            .map(|r| r.name.clone())
            .unwrap_or_default();

    let mut common: Vec<String> = Vec::new();
    let mut base = Scope {
        subject: Some(subject.clone()),
        ..Scope::default()
    };
    for _ in 0..draw::count(&mut g.rng, 1, 3) {
        let item = g.constant();
        common.push(item.text);
        base.named.push(item.named);
    }
    let decisions = plan_decisions(&mut g);
    let all: Vec<String> = decisions.iter().map(|d| d.name.clone()).collect();
    // Items for every decision at once: `for a, b, c`.
    let mut shared = base.clone();
    if all.len() >= 2 {
        for _ in 0..draw::count(&mut g.rng, 0, 2) {
            let item = g.let_item(&shared, &all);
            add(&mut shared, &mut common, item);
        }
        if g.chance(0.5) {
            let item = if g.chance(0.5) {
                g.score_item(&shared, &all)
            } else {
                g.table_item(&shared, &all)
            };
            add(&mut shared, &mut common, item);
        }
    }
    let mut builds = Vec::new();
    for mut decision in decisions {
        let mut scope = shared.clone();
        if decision.manifest {
            for _ in 0..draw::count(&mut g.rng, 1, 3) {
                let (text, named) = g.aggregate(&shared);
                decision.aggregates.push(text);
                scope.named.push(named);
            }
        }
        let own = vec![decision.name.clone()];
        let mut kinds: Vec<u8> = Vec::new();
        kinds.extend(std::iter::repeat_n(0, draw::count(&mut g.rng, 2, 4)));
        kinds.extend(std::iter::repeat_n(1, draw::count(&mut g.rng, 0, 2)));
        kinds.extend(std::iter::repeat_n(2, draw::count(&mut g.rng, 1, 2)));
        draw::shuffle(&mut g.rng, &mut kinds);
        let mut items = Vec::new();
        for kind in kinds {
            let item = match kind {
                0 => g.let_item(&scope, &own),
                1 => g.score_item(&scope, &own),
                _ => g.table_item(&scope, &own),
            };
            add(&mut scope, &mut items, item);
        }
        builds.push(DecisionBuild {
            decision,
            scope,
            items,
            rules: Vec::new(),
        });
    }

    let mut reasons = Reasons::default();
    let shared_specs = shared_specs(&mut g, &builds);
    let own_specs: Vec<Vec<RuleSpec>> = builds.iter_mut().map(|b| own_specs(&mut g, b)).collect();
    let most = own_specs.iter().map(Vec::len).max().unwrap_or(0) + shared_specs.len();
    let width = ((ANCHORS - DEFAULT_ROOM) / i64::try_from(most.max(1)).unwrap_or(1)).clamp(1, 5);
    let mut shared_rules = Vec::new();
    for (k, mut spec) in shared_specs.into_iter().enumerate() {
        spec.window = window(k, width);
        shared_rules.push(g.rule(&shared, &all, spec, &mut reasons));
    }
    let first_own = shared_rules.len();
    for (b, specs) in builds.iter_mut().zip(own_specs) {
        let own = vec![b.decision.name.clone()];
        for (k, mut spec) in specs.into_iter().enumerate() {
            spec.window = window(first_own + k, width);
            let rule = g.rule(&b.scope, &own, spec, &mut reasons);
            b.rules.push(rule);
        }
    }
    use_everything(&mut g, &mut builds, &mut shared_rules, &shared, &common);

    let files = render(
        &mut g,
        seed,
        &builds,
        &shared_rules,
        &common,
        &reasons,
        (&subject, &schema_name),
    );
    Built {
        files,
        decisions: builds.iter().map(|b| b.decision.name.clone()).collect(),
        manifest_decisions: builds
            .iter()
            .filter(|b| b.decision.manifest)
            .map(|b| b.decision.name.clone())
            .collect(),
        universe: g.u,
        dict: g.dict,
        dates: g.dates,
        members: g.members,
    }
}

fn add(scope: &mut Scope, texts: &mut Vec<String>, item: Item) {
    texts.push(item.text);
    scope.named.push(item.named);
}

/// The (date, member) pairs the contexts will carry.
fn slots(rng: &mut Rng) -> (Vec<i64>, Vec<String>) {
    let mut choices: Vec<i64> = SLOT_DATES
        .iter()
        .map(|(y, m, d)| values::day_number(*y, *m, *d))
        .collect();
    draw::shuffle(rng, &mut choices);
    let mut dates: Vec<i64> = choices.into_iter().take(SLOTS).collect();
    if rng.chance(0.2)
        && let Some(first) = dates.first_mut()
    {
        *first = values::day_number(2020, 1, 1) + rng.range(0, 3_650);
    }
    let members = (0..SLOTS)
        .map(|_| (*draw::pick(rng, pools::ASEAN).unwrap_or(&"SGP")).to_string())
        .collect();
    (dates, members)
}

fn plan_decisions(g: &mut Gen) -> Vec<Decision> {
    let mut out = Vec::new();
    let per_record = draw::count(&mut g.rng, 1, 3);
    let manifest = g.chance(0.6);
    for i in 0..per_record + usize::from(manifest) {
        let is_manifest = i == per_record;
        let pool = if is_manifest {
            MANIFEST_NAMES
        } else {
            DECISION_NAMES
        };
        let base = *draw::pick(&mut g.rng, pool).unwrap_or(&"decision");
        let name = g.names.fresh(base);
        let outcomes: Vec<String> = draw::pick(&mut g.rng, pools::OUTCOME_SETS)
            .map(|o| o.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let last = outcomes.len().saturating_sub(1);
        let default = if outcomes.len() >= 3 && g.chance(0.3) {
            draw::count(&mut g.rng, 1, last)
        } else {
            last
        };
        let refer = outcomes.iter().position(|o| o == "refer");
        // `on error` is never less severe than the default (a warning).
        let on_error = match refer {
            Some(_) if g.chance(0.25) => None,
            Some(r) if r <= default && g.chance(0.7) => Some(r),
            _ => Some(draw::count(&mut g.rng, 0, default)),
        };
        out.push(Decision {
            name,
            manifest: is_manifest,
            outcomes,
            default,
            on_error,
            aggregates: Vec::new(),
        });
    }
    out
}

/// The dial's values below this are anchor windows; above, gates.
const ANCHORS: i64 = 50;
/// Anchor values no rule takes, where records get the default outcome.
const DEFAULT_ROOM: i64 = 8;

fn window(k: usize, width: i64) -> (i64, i64) {
    let low = i64::try_from(k).unwrap_or(0) * width;
    (low, low + width)
}

fn spec(outcome: &str, shadow: bool, extra: Option<String>) -> RuleSpec {
    RuleSpec {
        outcome: outcome.to_string(),
        shadow,
        window: (0, 0),
        extra,
        carries: false,
    }
}

/// Rules for every outcome (the first of each enforced), and a few more.
fn own_specs(g: &mut Gen, b: &mut DecisionBuild) -> Vec<RuleSpec> {
    let mut specs = Vec::new();
    let outcomes = b.decision.outcomes.clone();
    for (i, outcome) in outcomes.iter().enumerate() {
        if i == b.decision.default && g.chance(0.6) {
            continue;
        }
        for k in 0..draw::count(&mut g.rng, 1, 2) {
            let shadow = k > 0 && g.chance(0.3);
            let mut s = spec(outcome, shadow, None);
            s.carries = k == 0;
            specs.push(s);
        }
    }
    for _ in 0..draw::count(&mut g.rng, 0, 3) {
        let outcome = draw::pick(&mut g.rng, &outcomes)
            .cloned()
            .unwrap_or_default();
        let shadow = g.chance(0.3);
        specs.push(spec(&outcome, shadow, None));
    }
    // A manifest decision screens with its aggregates.
    let aggregates: Vec<String> = b
        .scope
        .named
        .iter()
        .filter(|n| n.kind == NamedKind::Aggregate)
        .map(|n| n.name.clone())
        .collect();
    if let Some(agg) = draw::pick(&mut g.rng, &aggregates).cloned() {
        let k = g.rng.range(1, 2);
        let outcome = draw::pick(&mut g.rng, &outcomes)
            .cloned()
            .unwrap_or_default();
        specs.push(spec(&outcome, false, Some(format!("({agg} > {k})"))));
    }
    specs
}

/// Rules `for` several decisions, with an outcome they all have.
fn shared_specs(g: &mut Gen, builds: &[DecisionBuild]) -> Vec<RuleSpec> {
    let mut out = Vec::new();
    if builds.len() < 2 || !g.chance(0.6) {
        return out;
    }
    let Some(first) = builds.first() else {
        return out;
    };
    let common: Vec<String> = first
        .decision
        .outcomes
        .iter()
        .filter(|o| builds.iter().all(|b| b.decision.outcomes.contains(o)))
        .cloned()
        .collect();
    for _ in 0..draw::count(&mut g.rng, 1, 2) {
        if let Some(outcome) = draw::pick(&mut g.rng, &common).cloned() {
            let shadow = g.chance(0.2);
            out.push(spec(&outcome, shadow, None));
        }
    }
    out
}

/// Every let is used (an unused one is a warning), and every score,
/// table and aggregate too (so that they are evaluated): what no rule
/// reads yet gets a gated alternative in some rule's condition.
fn use_everything(
    g: &mut Gen,
    builds: &mut [DecisionBuild],
    shared_rules: &mut [Rule],
    shared: &Scope,
    common: &[String],
) {
    // What the written text reads: generation also drafts expressions it
    // then throws away, so what it touched is not what is used.
    let mut texts: Vec<String> = common.to_vec();
    texts.extend(shared_rules.iter().map(Rule::render));
    for b in builds.iter() {
        texts.extend(b.items.iter().cloned());
        texts.extend(b.rules.iter().map(Rule::render));
    }
    let mut read: BTreeMap<String, usize> = BTreeMap::new();
    for text in &texts {
        for name in super::ident::identifiers(text) {
            *read.entry(name).or_default() += 1;
        }
    }
    // A let's own definition names it once.
    let used: BTreeSet<String> = read
        .into_iter()
        .filter(|(name, n)| *n > usize::from(defines(&texts, name)))
        .map(|(name, _)| name)
        .collect();
    for named in &shared.named {
        if used.contains(&named.name) {
            continue;
        }
        let alternative = use_of(g, named);
        if let Some(rule) = pick_rule(g, builds, shared_rules) {
            rule.alternatives.push(alternative);
        }
    }
    for b in builds.iter_mut() {
        let own: Vec<Named> = b
            .scope
            .named
            .iter()
            .filter(|n| shared.named(&n.name).is_none())
            .cloned()
            .collect();
        for named in own {
            if used.contains(&named.name) {
                continue;
            }
            let alternative = use_of(g, &named);
            let n = b.rules.len();
            let index = draw::count(&mut g.rng, 0, n.saturating_sub(1));
            if let Some(rule) = b.rules.get_mut(index) {
                rule.alternatives.push(alternative);
            }
        }
    }
}

/// Whether one of the texts defines `name` (a let, score or table).
fn defines(texts: &[String], name: &str) -> bool {
    texts.iter().any(|t| {
        ["let ", "score ", "decision table "]
            .iter()
            .any(|k| t.contains(&format!("{k}{name} ")))
    })
}

/// Any rule: every decision sees constants and shared items.
fn pick_rule<'a>(
    g: &mut Gen,
    builds: &'a mut [DecisionBuild],
    shared_rules: &'a mut [Rule],
) -> Option<&'a mut Rule> {
    let n = builds.len();
    let choice = draw::count(&mut g.rng, 0, n);
    if choice == n && !shared_rules.is_empty() {
        return shared_rules.first_mut();
    }
    let b = builds.get_mut(choice.min(n.saturating_sub(1)))?;
    let index = draw::count(&mut g.rng, 0, b.rules.len().saturating_sub(1));
    b.rules.get_mut(index)
}

/// A gated condition that reads a named value, whatever its type.
fn use_of(g: &mut Gen, named: &Named) -> String {
    let n = &named.name;
    let test = match &named.ty {
        Ty::Bool => n.clone(),
        Ty::Int | Ty::Decimal => {
            let threshold = g.literal(&named.ty, Pos::EXPECTED.small());
            format!("({n} >= {threshold})")
        }
        Ty::Date => format!("({n} <= context.date)"),
        Ty::Text => format!("(length({n}) > 2)"),
        Ty::Optional(_) => format!("{n} is present"),
        Ty::List(_) => format!("(size({n}) > 0)"),
        other => {
            let value = g.literal(other, Pos::EXPECTED);
            format!("({n} != {value})")
        }
    };
    format!("({} and {test})", g.gate())
}

fn render(
    g: &mut Gen,
    seed: u64,
    builds: &[DecisionBuild],
    shared_rules: &[Rule],
    common: &[String],
    reasons: &Reasons,
    (subject, schema_name): (&str, &str),
) -> Vec<(String, String)> {
    let mut files = Vec::new();
    files.push((
        "lintas.toml".to_string(),
        format!(
            "[package]\nname = \"generated-{seed}\"\nversion = \"1.0.{}\"\nedition = \"2026\"\ndescription = \"Generated from seed {seed}\"\n",
            seed % 1000
        ),
    ));
    files.push((
        "schema.lintas".to_string(),
        schema::render(&mut g.rng, &g.u),
    ));
    let (data_text, data_files) = super::data_files::render(&mut g.rng, &g.u, &g.data);
    files.push(("data.lintas".to_string(), data_text));
    files.extend(data_files);
    let mut common_items: Vec<String> = common.to_vec();
    common_items.extend(shared_rules.iter().map(Rule::render));
    files.push((
        "common.lintas".to_string(),
        join_items(&mut g.rng, common_items),
    ));
    files.push(("reasons.lintas".to_string(), reasons.render()));
    // One directory for all decisions, so that the checker meets them in
    // the order of `decisions` (files are taken in path order).
    let dir = if g.chance(0.3) { "rules/" } else { "" };
    for (i, b) in builds.iter().enumerate() {
        let mut items = b.items.clone();
        items.extend(b.rules.iter().map(Rule::render));
        let decision = b.decision.render(subject, schema_name);
        if g.chance(0.5) {
            items.insert(0, decision);
        } else {
            items.push(decision);
        }
        let ascii: String = b
            .decision
            .name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        files.push((
            format!("{dir}d{i}_{ascii}.lintas"),
            join_items(&mut g.rng, items),
        ));
    }
    files
}

/// Items separated by blank lines, with a comment now and then.
fn join_items(rng: &mut Rng, items: Vec<String>) -> String {
    let mut text = String::from("// Generated: do not edit.\n\n");
    for item in items {
        if rng.chance(0.1) {
            text.push_str("//// Four slashes make a plain comment.\n");
        }
        text.push_str(&item);
        text.push('\n');
    }
    text
}
