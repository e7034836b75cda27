//! The types the generator reasons about. They mirror the checker's types
//! closely enough that every expression the generator writes has the type
//! it believes it has; that belief is what keeps the packages error-free.

/// A Lintas type, as far as generated packages use them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ty {
    Bool,
    Int,
    Decimal,
    Text,
    Date,
    Country,
    /// Index into [`Universe::enums`].
    Enum(usize),
    /// Index into [`Universe::records`].
    Record(usize),
    Optional(Box<Ty>),
    List(Box<Ty>),
}

impl Ty {
    pub fn optional(self) -> Ty {
        Ty::Optional(Box::new(self))
    }

    pub fn list(self) -> Ty {
        Ty::List(Box::new(self))
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self, Ty::Record(_) | Ty::Optional(_) | Ty::List(_))
    }

    /// Ordered with `<`: the checker allows it for numbers and dates only.
    pub fn is_ordered(&self) -> bool {
        matches!(self, Ty::Int | Ty::Decimal | Ty::Date)
    }

    pub fn without_optional(&self) -> &Ty {
        match self {
            Ty::Optional(inner) => inner,
            other => other,
        }
    }
}

/// What kind of record a universe entry is: only schema records are
/// written out; the others are built in or come from tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordKind {
    Schema,
    TableRow,
    Emergency,
    Context,
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub name: String,
    pub ty: Ty,
    /// Never read by decisions (a read would be warning L0602).
    pub sensitive: bool,
    pub loggable: bool,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub name: String,
    pub fields: Vec<Field>,
    pub kind: RecordKind,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Enum {
    pub name: String,
    pub values: Vec<String>,
}

/// Every record and enum an expression can meet: the schema, the context
/// and its emergencies, and the rows of reference tables.
#[derive(Debug, Clone)]
pub(crate) struct Universe {
    pub records: Vec<Record>,
    pub enums: Vec<Enum>,
    /// The schema decisions are taken over.
    pub subject: usize,
    pub context: usize,
    /// The subject's Int field that records fill uniformly with 0 to 99
    /// (a sequence number), so that rules can fire on a planned share of
    /// the traffic.
    pub dial: String,
}

impl Universe {
    pub fn record(&self, index: usize) -> Option<&Record> {
        self.records.get(index)
    }

    pub fn enum_values(&self, index: usize) -> &[String] {
        self.enums.get(index).map_or(&[], |e| e.values.as_slice())
    }

    /// The type as written in a schema or table declaration.
    pub fn render(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "Bool".into(),
            Ty::Int => "Int".into(),
            Ty::Decimal => "Decimal".into(),
            Ty::Text => "Text".into(),
            Ty::Date => "Date".into(),
            Ty::Country => "Country".into(),
            Ty::Enum(i) => self.enums.get(*i).map_or("Text".into(), |e| e.name.clone()),
            Ty::Record(i) => self
                .records
                .get(*i)
                .map_or("Text".into(), |r| r.name.clone()),
            Ty::Optional(inner) => format!("optional {}", self.render(inner)),
            Ty::List(inner) => format!("list of {}", self.render(inner)),
        }
    }
}
