//! Reference data: small and large sets, tables with one and two key
//! columns, written inline or as CSV and JSON files in the package.

use super::dict::Dict;
use super::draw;
use super::ident::Names;
use super::model::{Field, Record, RecordKind, Ty, Universe};
use super::pools;
use super::values::{self, Kind, Val};
use crate::Rng;

#[derive(Debug, Clone)]
pub(crate) enum Source {
    Inline,
    Csv {
        path: String,
        column: Option<String>,
    },
    Json {
        path: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct SetDef {
    pub name: String,
    pub kind: Kind,
    pub values: Vec<Val>,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub name: String,
    pub ty: Ty,
    pub key: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct TableDef {
    pub name: String,
    pub columns: Vec<Column>,
    /// One cell per column; `None` only in optional columns of files.
    pub rows: Vec<Vec<Option<Val>>>,
    pub source: Source,
    /// The row's record in the universe.
    pub record: usize,
}

impl TableDef {
    pub fn key_kinds(&self) -> Vec<Kind> {
        self.columns
            .iter()
            .filter(|c| c.key)
            .filter_map(|c| Kind::of(&c.ty))
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Data {
    pub sets: Vec<SetDef>,
    pub tables: Vec<TableDef>,
    /// Sets of countries that include deciding members, for `applies to`.
    pub member_sets: Vec<usize>,
}

impl Data {
    pub fn sets_of(&self, kind: Kind) -> Vec<&SetDef> {
        self.sets.iter().filter(|s| s.kind == kind).collect()
    }
}

/// Where values come from when nothing else says: the shared dates and
/// members the contexts will use, so that data and traffic meet.
pub(crate) struct Anchors<'a> {
    pub dates: &'a [i64],
    pub members: &'a [String],
}

/// A random value of a kind, fit for a data file (no commas, quotes, empty
/// or padded texts) unless `odd` allows the texts that stress escaping.
pub(crate) fn random_value(
    rng: &mut Rng,
    u: &Universe,
    kind: Kind,
    a: &Anchors<'_>,
    odd: bool,
) -> Val {
    match kind {
        Kind::Bool => Val::Bool(rng.chance(0.5)),
        Kind::Int => Val::Int(match draw::weighted(rng, &[5, 3, 1]) {
            0 => rng.range(0, 30),
            1 => rng.range(30, 1_000),
            _ => rng.range(-50, -1),
        }),
        Kind::Decimal => {
            let whole = rng.range(0, 500);
            let places = rng.range(0, 9_999);
            Val::Dec(whole * values::DECIMAL_ONE + places)
        }
        Kind::Text => Val::Text(match draw::weighted(rng, &[4, 4, 2, 1, u32::from(odd)]) {
            0 => pools::document_number(rng),
            1 => (*draw::pick(rng, pools::PEOPLE).unwrap_or(&"Siti")).to_string(),
            2 => pools::reference(rng),
            3 => (*draw::pick(rng, pools::CHECKPOINTS).unwrap_or(&"KLIA2")).to_string(),
            _ => (*draw::pick(rng, pools::ODD_TEXTS).unwrap_or(&"")).to_string(),
        }),
        Kind::Date => {
            let anchor = draw::pick(rng, a.dates).copied().unwrap_or(20_513);
            Val::Date(values::clamp_date(match draw::weighted(rng, &[4, 3, 1]) {
                0 => anchor + rng.range(-30, 30),
                1 => anchor + rng.range(-800, 800),
                _ => values::month_end(anchor),
            }))
        }
        Kind::Country => Val::Country(match draw::weighted(rng, &[3, 3, 2]) {
            0 => draw::pick(rng, a.members)
                .cloned()
                .unwrap_or_else(|| "SGP".into()),
            1 => (*draw::pick(rng, pools::ASEAN).unwrap_or(&"IDN")).to_string(),
            _ => (*draw::pick(rng, pools::WORLD).unwrap_or(&"AUS")).to_string(),
        }),
        Kind::Enum(e) => {
            let n = u.enum_values(e).len().max(1);
            Val::Enum(e, draw::count(rng, 0, n - 1))
        }
    }
}

pub(crate) fn generate(
    rng: &mut Rng,
    names: &mut Names,
    u: &mut Universe,
    dict: &mut Dict,
    a: &Anchors<'_>,
) -> Data {
    let mut data = Data::default();
    let kinds = schema_kinds(u);
    for _ in 0..draw::count(rng, 2, 4) {
        let Some(kind) = draw::pick(rng, &kinds).copied() else {
            continue;
        };
        let size = draw::count(rng, 2, 5);
        let mut vals = Vec::new();
        for _ in 0..size * 3 {
            let v = random_value(rng, u, kind, a, true);
            if !vals.contains(&v) && vals.len() < size {
                vals.push(v);
            }
        }
        let set = new_set(rng, names, "SMALL", kind, vals, false);
        data.sets.push(set);
    }
    for _ in 0..draw::count(rng, 1, 3) {
        let (base, kind, vals) = match draw::weighted(rng, &[1, 1, 1]) {
            0 => {
                let n = draw::count(rng, 50, 150);
                let vals = (0..n)
                    .map(|_| Val::Text(pools::document_number(rng)))
                    .collect();
                ("DOCUMENTS", Kind::Text, vals)
            }
            1 => {
                let mut all: Vec<&str> = pools::WORLD.to_vec();
                draw::shuffle(rng, &mut all);
                let n = draw::count(rng, 50, 100);
                let vals = all
                    .iter()
                    .take(n)
                    .map(|c| Val::Country((*c).to_string()))
                    .collect();
                ("COUNTRIES", Kind::Country, vals)
            }
            _ => {
                let n = draw::count(rng, 50, 200);
                let vals = (0..n).map(|_| Val::Int(rng.range(-100, 5_000))).collect();
                ("NUMBERS", Kind::Int, vals)
            }
        };
        let set = new_set(rng, names, base, kind, dedup(vals), true);
        data.sets.push(set);
    }
    let mut members: Vec<Val> = a
        .members
        .iter()
        .filter(|_| rng.chance(0.6))
        .map(|m| Val::Country(m.clone()))
        .collect();
    for _ in 0..draw::count(rng, 1, 4) {
        members.push(Val::Country(
            (*draw::pick(rng, pools::ASEAN).unwrap_or(&"SGP")).to_string(),
        ));
    }
    let set = new_set(rng, names, "MEMBERS", Kind::Country, dedup(members), false);
    data.member_sets.push(data.sets.len());
    data.sets.push(set);
    for set in &data.sets {
        dict.group(&set.values);
    }
    for _ in 0..draw::count(rng, 1, 3) {
        let table = table(rng, names, u, &kinds, a);
        for (i, _) in table.columns.iter().enumerate() {
            let column: Vec<Val> = table
                .rows
                .iter()
                .filter_map(|r| r.get(i).cloned().flatten())
                .collect();
            dict.group(&column);
        }
        data.tables.push(table);
    }
    data
}

fn dedup(mut vals: Vec<Val>) -> Vec<Val> {
    let mut seen = Vec::new();
    vals.retain(|v| {
        let fresh = !seen.contains(v);
        seen.push(v.clone());
        fresh
    });
    vals
}

/// The scalar kinds the schema uses (so that sets are about the records).
fn schema_kinds(u: &Universe) -> Vec<Kind> {
    let mut kinds = vec![
        Kind::Int,
        Kind::Decimal,
        Kind::Text,
        Kind::Date,
        Kind::Country,
    ];
    for e in 0..u.enums.len() {
        kinds.push(Kind::Enum(e));
    }
    kinds
}

fn new_set(
    rng: &mut Rng,
    names: &mut Names,
    base: &str,
    kind: Kind,
    values: Vec<Val>,
    large: bool,
) -> SetDef {
    let name = names.fresh(&format!("{base}_SET"));
    let file_ok = !matches!(kind, Kind::Decimal) || rng.chance(0.5);
    let source = match draw::weighted(rng, &[if large { 1 } else { 5 }, 2, 1]) {
        1 if file_ok && data_safe(&values) => Source::Csv {
            path: format!("data/{}.csv", name.to_lowercase()),
            column: rng.chance(0.6).then(|| "value".to_string()),
        },
        2 if file_ok && data_safe(&values) => Source::Json {
            path: format!("data/{}.json", name.to_lowercase()),
        },
        _ => Source::Inline,
    };
    SetDef {
        name,
        kind,
        values,
        source,
    }
}

/// Texts a CSV cell carries unchanged (cells are trimmed, empty is absent).
fn data_safe(values: &[Val]) -> bool {
    values.iter().all(|v| match v {
        Val::Text(t) => {
            !t.is_empty() && t.trim() == t && !t.contains([',', '"', '\n', '\r', '\t', '\\'])
        }
        _ => true,
    })
}

const COLUMN_NAMES: &[&str] = &[
    "days", "since", "until", "level", "fee", "note", "joined", "limit", "band", "rate", "flag",
];

fn table(
    rng: &mut Rng,
    names: &mut Names,
    u: &mut Universe,
    kinds: &[Kind],
    a: &Anchors<'_>,
) -> TableDef {
    let name = names.fresh(if rng.chance(0.5) { "STAYS" } else { "REGISTER" });
    let key_choices = [Kind::Country, Kind::Text, Kind::Int, Kind::Date];
    let mut key_kinds = vec![*draw::pick(rng, &key_choices).unwrap_or(&Kind::Country)];
    if rng.chance(0.45) {
        let second: Vec<Kind> = kinds
            .iter()
            .copied()
            .filter(|k| !matches!(k, Kind::Decimal))
            .collect();
        key_kinds.push(draw::pick(rng, &second).copied().unwrap_or(Kind::Int));
    }
    let mut columns = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    let mut column_name = |base: &str| {
        let mut name = base.to_string();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.push(name.clone());
        name
    };
    for k in &key_kinds {
        let base = match k {
            Kind::Country => "country",
            Kind::Text => "number",
            Kind::Int => "code",
            Kind::Date => "day",
            _ => "kind",
        };
        columns.push(Column {
            name: column_name(base),
            ty: k.ty(),
            key: true,
        });
    }
    for _ in 0..draw::count(rng, 1, 3) {
        let kind = draw::pick(rng, kinds).copied().unwrap_or(Kind::Int);
        let base = *draw::pick(rng, COLUMN_NAMES).unwrap_or(&"value");
        let ty = if rng.chance(0.35) {
            kind.ty().optional()
        } else {
            kind.ty()
        };
        columns.push(Column {
            name: column_name(base),
            ty,
            key: false,
        });
    }
    let file = draw::weighted(rng, &[2, 2, 1]);
    let mut rows: Vec<Vec<Option<Val>>> = Vec::new();
    let mut keys: Vec<Vec<Val>> = Vec::new();
    for _ in 0..draw::count(rng, 2, 14) {
        let key: Vec<Val> = key_kinds.iter().map(|k| key_value(rng, u, *k, a)).collect();
        if keys.contains(&key) {
            continue;
        }
        keys.push(key.clone());
        let mut row: Vec<Option<Val>> = key.into_iter().map(Some).collect();
        for c in columns.iter().filter(|c| !c.key) {
            let kind = Kind::of(c.ty.without_optional()).unwrap_or(Kind::Int);
            // Inline rows have no way to write an absent cell.
            let absent = matches!(c.ty, Ty::Optional(_)) && file != 0 && rng.chance(0.4);
            row.push((!absent).then(|| random_value(rng, u, kind, a, false)));
        }
        rows.push(row);
    }
    let record = u.records.len();
    u.records.push(Record {
        name: format!("{name} row"),
        fields: columns
            .iter()
            .map(|c| Field {
                name: c.name.clone(),
                ty: c.ty.clone(),
                sensitive: false,
                loggable: true,
                doc: None,
            })
            .collect(),
        kind: RecordKind::TableRow,
        doc: None,
    });
    let source = match file {
        0 => Source::Inline,
        1 => Source::Csv {
            path: format!("data/{}.csv", name.to_lowercase()),
            column: None,
        },
        _ => Source::Json {
            path: format!("data/{}.json", name.to_lowercase()),
        },
    };
    TableDef {
        name,
        columns,
        rows,
        source,
        record,
    }
}

/// Key values come from small pools, so that rows cover a good share of
/// the combinations records carry.
fn key_value(rng: &mut Rng, u: &Universe, kind: Kind, a: &Anchors<'_>) -> Val {
    match kind {
        Kind::Country => {
            let pool: Vec<String> = a
                .members
                .iter()
                .cloned()
                .chain(pools::ASEAN.iter().take(5).map(|c| (*c).to_string()))
                .collect();
            Val::Country(
                draw::pick(rng, &pool)
                    .cloned()
                    .unwrap_or_else(|| "SGP".into()),
            )
        }
        Kind::Int => Val::Int(rng.range(0, 12)),
        Kind::Text => Val::Text(format!("K{:03}", rng.range(0, 20))),
        Kind::Date => {
            let anchor = draw::pick(rng, a.dates).copied().unwrap_or(20_513);
            Val::Date(anchor + rng.range(-3, 3))
        }
        other => random_value(rng, u, other, a, false),
    }
}
