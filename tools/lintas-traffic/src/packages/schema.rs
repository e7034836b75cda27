//! The random schema: one subject record with a field of every type the
//! language has (scalars, enums, nested and optional records, lists of
//! scalars and of records), plus the built-in context records.

use super::draw;
use super::ident::Names;
use super::model::{Enum, Field, Record, RecordKind, Ty, Universe};
use super::pools;
use crate::Rng;

const DIAL_NAMES: &[&str] = &["seq", "sequence", "line_no", "position"];

/// The schema and the name decisions give their subject.
pub(crate) struct Schema {
    pub universe: Universe,
    pub subject: String,
}

pub(crate) fn generate(rng: &mut Rng, names: &mut Names) -> Schema {
    let mut u = Universe {
        records: Vec::new(),
        enums: Vec::new(),
        subject: 0,
        context: 0,
        dial: String::new(),
    };
    let (schema_name, subject) = *draw::pick(rng, pools::SUBJECT_NAMES).unwrap_or(&("T", "t"));
    names.claim(schema_name);
    names.claim(subject);
    let mut enum_choices: Vec<usize> = (0..pools::ENUMS.len()).collect();
    draw::shuffle(rng, &mut enum_choices);
    for &i in enum_choices.iter().take(draw::count(rng, 1, 3)) {
        let Some((name, values)) = pools::ENUMS.get(i) else {
            continue;
        };
        names.claim(name);
        let count = draw::count(rng, 2, values.len());
        let values: Vec<String> = values
            .iter()
            .take(count)
            .filter(|v| names.claim(v))
            .map(ToString::to_string)
            .collect();
        u.enums.push(Enum {
            name: (*name).to_string(),
            values,
        });
    }
    // The subject is record 0; nested records are appended as they are made.
    u.records.push(Record {
        name: schema_name.to_string(),
        fields: Vec::new(),
        kind: RecordKind::Schema,
        doc: Some("A traveller presenting at a checkpoint.".into()),
    });
    let mut b = Builder { rng, names, u };
    let fields = b.subject_fields();
    if let Some(subject_record) = b.u.records.first_mut() {
        subject_record.fields = fields;
    }
    let mut u = b.u;
    add_builtin_records(&mut u);
    Schema {
        universe: u,
        subject: subject.to_string(),
    }
}

struct Builder<'a> {
    rng: &'a mut Rng,
    names: &'a mut Names,
    u: Universe,
}

impl Builder<'_> {
    fn subject_fields(&mut self) -> Vec<Field> {
        let mut taken = Vec::new();
        let mut fields = Vec::new();
        let mut required: Vec<Ty> = vec![Ty::Bool, Ty::Int, Ty::Int, Ty::Decimal, Ty::Text];
        required.extend([Ty::Text, Ty::Date, Ty::Date, Ty::Country]);
        for _ in 0..draw::count(self.rng, 0, 2) {
            required.push(self.scalar());
        }
        for e in 0..self.u.enums.len() {
            required.push(Ty::Enum(e));
        }
        for ty in required {
            fields.push(self.field(&mut taken, ty));
        }
        let dial = *draw::pick(self.rng, DIAL_NAMES).unwrap_or(&"seq");
        taken.push(dial.to_string());
        self.u.dial = dial.to_string();
        fields.push(Field {
            name: dial.to_string(),
            ty: Ty::Int,
            sensitive: false,
            loggable: true,
            doc: Some("Position in the batch the sender numbered, 0 to 99.".into()),
        });
        // Optionals: at least one number and one other scalar.
        let numeric = if self.rng.chance(0.5) {
            Ty::Int
        } else {
            Ty::Decimal
        };
        fields.push(self.field(&mut taken, numeric.optional()));
        for _ in 0..draw::count(self.rng, 1, 3) {
            let ty = self.scalar().optional();
            fields.push(self.field(&mut taken, ty));
        }
        let nested = self.record(2, 1);
        fields.push(self.field(&mut taken, Ty::Record(nested)));
        let optional = self.record(2, 1);
        fields.push(self.field(&mut taken, Ty::Record(optional).optional()));
        for _ in 0..draw::count(self.rng, 1, 2) {
            let ty = self.scalar().list();
            fields.push(self.field(&mut taken, ty));
        }
        let element = self.record(2, 1);
        fields.push(self.field(&mut taken, Ty::Record(element).list()));
        if self.rng.chance(0.4) {
            let extra = self.record(1, 1);
            let ty = if self.rng.chance(0.5) {
                Ty::Record(extra).optional()
            } else {
                Ty::Record(extra).list()
            };
            fields.push(self.field(&mut taken, ty));
        }
        if self.rng.chance(0.3) {
            // A sensitive field is never read, so it costs no warning.
            let ty = if self.rng.chance(0.5) {
                Ty::Text
            } else {
                Ty::Record(self.record(1, 0))
            };
            let mut field = self.field(&mut taken, ty);
            field.sensitive = true;
            fields.push(field);
        }
        draw::shuffle(self.rng, &mut fields);
        fields
    }

    /// A new nested record type; `depth` limits further nesting.
    fn record(&mut self, depth: u32, min_optional: usize) -> usize {
        let base = draw::pick(self.rng, pools::RECORD_NAMES).unwrap_or(&"Part");
        let name = self.names.fresh(base);
        let index = self.u.records.len();
        self.u.records.push(Record {
            name,
            fields: Vec::new(),
            kind: RecordKind::Schema,
            doc: self
                .rng
                .chance(0.3)
                .then(|| "Part of a record.".to_string()),
        });
        let mut taken = Vec::new();
        let mut fields = Vec::new();
        for _ in 0..draw::count(self.rng, 2, 4) {
            let ty = self.scalar();
            fields.push(self.field(&mut taken, ty));
        }
        for _ in 0..min_optional.max(draw::count(self.rng, 0, 1)) {
            let ty = self.scalar().optional();
            fields.push(self.field(&mut taken, ty));
        }
        if self.rng.chance(0.3) {
            let ty = self.scalar().list();
            fields.push(self.field(&mut taken, ty));
        }
        if depth > 1 && self.rng.chance(0.35) {
            let inner = self.record(depth - 1, 0);
            let ty = if self.rng.chance(0.5) {
                Ty::Record(inner)
            } else {
                Ty::Record(inner).optional()
            };
            fields.push(self.field(&mut taken, ty));
        }
        draw::shuffle(self.rng, &mut fields);
        if let Some(record) = self.u.records.get_mut(index) {
            record.fields = fields;
        }
        index
    }

    fn scalar(&mut self) -> Ty {
        let enums = self.u.enums.len();
        let mut choices = vec![
            Ty::Bool,
            Ty::Int,
            Ty::Int,
            Ty::Decimal,
            Ty::Text,
            Ty::Date,
            Ty::Date,
            Ty::Country,
        ];
        if enums > 0 {
            let e = draw::count(self.rng, 0, enums - 1);
            choices.push(Ty::Enum(e));
        }
        draw::pick(self.rng, &choices).cloned().unwrap_or(Ty::Int)
    }

    fn field(&mut self, taken: &mut Vec<String>, ty: Ty) -> Field {
        let category = match ty.without_optional() {
            Ty::Bool => "Bool",
            Ty::Int => "Int",
            Ty::Decimal => "Decimal",
            Ty::Text => "Text",
            Ty::Date => "Date",
            Ty::Country => "Country",
            Ty::Enum(_) => "Enum",
            Ty::Record(_) => "Record",
            Ty::List(inner) if matches!(**inner, Ty::Record(_)) => "RecordList",
            Ty::List(_) | Ty::Optional(_) => "ScalarList",
        };
        let vocabulary = pools::FIELD_NAMES
            .iter()
            .find(|(c, _)| *c == category)
            .map_or(&[][..], |(_, names)| *names);
        let base = if self.rng.chance(0.08) {
            draw::pick(self.rng, pools::ODD_FIELD_NAMES)
        } else {
            draw::pick(self.rng, vocabulary)
        };
        let base = base.copied().unwrap_or("field");
        let mut name = base.to_string();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.push(name.clone());
        Field {
            name,
            loggable: self.rng.chance(0.2),
            sensitive: false,
            doc: self
                .rng
                .chance(0.15)
                .then(|| "As the sender gives it.".to_string()),
            ty,
        }
    }
}

fn builtin_field(name: &str, ty: Ty) -> Field {
    Field {
        name: name.to_string(),
        ty,
        sensitive: false,
        loggable: true,
        doc: None,
    }
}

fn add_builtin_records(u: &mut Universe) {
    let emergency = u.records.len();
    u.records.push(Record {
        name: "Emergency".into(),
        fields: vec![
            builtin_field("id", Ty::Text),
            builtin_field("disease", Ty::Text),
            builtin_field("origins", Ty::Country.list()),
            builtin_field("declared", Ty::Date),
            builtin_field("lifted", Ty::Date.optional()),
        ],
        kind: RecordKind::Emergency,
        doc: None,
    });
    u.context = u.records.len();
    u.records.push(Record {
        name: "Context".into(),
        fields: vec![
            builtin_field("date", Ty::Date),
            builtin_field("member", Ty::Country),
            builtin_field("checkpoint", Ty::Text.optional()),
            builtin_field("emergencies", Ty::Record(emergency).list()),
            builtin_field("recipient", Ty::Country.optional()),
        ],
        kind: RecordKind::Context,
        doc: None,
    });
}

/// The `enum` and `schema` items.
pub(crate) fn render(rng: &mut Rng, u: &Universe) -> String {
    let mut out = String::new();
    for e in &u.enums {
        if rng.chance(0.3) {
            out.push_str("/// The values the sender may give.\n");
        }
        out.push_str(&format!(
            "enum {} {{ {} }}\n\n",
            e.name,
            e.values.join(", ")
        ));
    }
    for r in u.records.iter().filter(|r| r.kind == RecordKind::Schema) {
        if let Some(doc) = &r.doc {
            out.push_str(&format!("/// {doc}\n"));
        }
        let one_line = r.fields.len() <= 3 && r.fields.iter().all(|f| f.doc.is_none());
        if one_line && rng.chance(0.5) {
            let fields: Vec<String> = r.fields.iter().map(|f| field_decl(u, f)).collect();
            out.push_str(&format!(
                "schema {} {{ {} }}\n\n",
                r.name,
                fields.join(", ")
            ));
            continue;
        }
        let commas = rng.chance(0.3);
        out.push_str(&format!("schema {} {{\n", r.name));
        for f in &r.fields {
            if let Some(doc) = &f.doc {
                out.push_str(&format!("  /// {doc}\n"));
            }
            out.push_str(&format!(
                "  {}{}\n",
                field_decl(u, f),
                if commas { "," } else { "" }
            ));
        }
        out.push_str("}\n\n");
    }
    out
}

fn field_decl(u: &Universe, f: &Field) -> String {
    let mut text = format!("{}: {}", f.name, u.render(&f.ty));
    if f.sensitive {
        text.push_str(" sensitive");
    }
    if f.loggable {
        text.push_str(" loggable");
    }
    text
}
