//! JSON records into typed values, streaming through serde (no detour
//! through `serde_json::Value`). Every problem is collected with its JSON
//! path, not only the first, so a checkpoint operator sees the whole list.

use lintas_check::calendar;
use lintas_check::countries;
use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_check::value::{self, Value};
use serde::Serialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

/// Deepest nesting of JSON arrays and objects accepted; deeper input is an
/// error, not a stack overflow.
pub const MAX_JSON_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecodeErrorKind {
    MissingField,
    WrongType,
    BadDate,
    UnknownCountry,
    UnknownEnumValue,
    OutOfRange,
    UnknownField,
    DuplicateField,
    Syntax,
    TooDeep,
}

impl DecodeErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecodeErrorKind::MissingField => "missing_field",
            DecodeErrorKind::WrongType => "wrong_type",
            DecodeErrorKind::BadDate => "bad_date",
            DecodeErrorKind::UnknownCountry => "unknown_country",
            DecodeErrorKind::UnknownEnumValue => "unknown_enum_value",
            DecodeErrorKind::OutOfRange => "out_of_range",
            DecodeErrorKind::UnknownField => "unknown_field",
            DecodeErrorKind::DuplicateField => "duplicate_field",
            DecodeErrorKind::Syntax => "syntax",
            DecodeErrorKind::TooDeep => "too_deep",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodeError {
    pub kind: DecodeErrorKind,
    /// A JSON path such as `$.document.expiry` or `$.visited[2].country`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DecodeOptions {
    /// Reject fields the schema does not declare (ignored by default).
    pub strict: bool,
}

/// Decodes one JSON text as a value of type `ty`. On any problem, returns
/// every problem found.
pub fn decode(
    program: &Program,
    ty: &Ty,
    json: &str,
    options: DecodeOptions,
) -> Result<Value, Vec<DecodeError>> {
    if let Some(depth) = too_deep(json) {
        return Err(vec![DecodeError {
            kind: DecodeErrorKind::TooDeep,
            path: "$".to_string(),
            message: format!(
                "arrays and objects nest {depth} levels deep; the limit is {MAX_JSON_DEPTH}"
            ),
        }]);
    }
    let errors = RefCell::new(Vec::new());
    // serde_json's own recursion limit (128) also guards skipped values.
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let seed = Seed {
        program,
        ty,
        path: Path::Root,
        errors: &errors,
        options,
        depth: 0,
    };
    let value = match seed
        .deserialize(&mut deserializer)
        .and_then(|v| deserializer.end().map(|()| v))
    {
        Ok(v) => v,
        Err(_)
            if errors
                .borrow()
                .iter()
                .any(|e| e.kind == DecodeErrorKind::TooDeep) =>
        {
            Value::Absent
        }
        Err(e) if e.to_string().contains("recursion limit") => {
            errors.borrow_mut().push(DecodeError {
                kind: DecodeErrorKind::TooDeep,
                path: "$".to_string(),
                message: format!("nested too deeply: {e}"),
            });
            Value::Absent
        }
        Err(e) => {
            errors.borrow_mut().push(DecodeError {
                kind: DecodeErrorKind::Syntax,
                path: "$".to_string(),
                message: format!("invalid JSON: {e}"),
            });
            Value::Absent
        }
    };
    let errors = errors.into_inner();
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

/// Decodes from an already parsed JSON value (used for values embedded in
/// larger documents, such as a request's context).
pub fn decode_value(
    program: &Program,
    ty: &Ty,
    json: &serde_json::Value,
    options: DecodeOptions,
) -> Result<Value, Vec<DecodeError>> {
    let errors = RefCell::new(Vec::new());
    let seed = Seed {
        program,
        ty,
        path: Path::Root,
        errors: &errors,
        options,
        depth: 0,
    };
    let value = seed.deserialize(json).unwrap_or(Value::Absent);
    let errors = errors.into_inner();
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

/// Decodes from any serde deserializer, such as a traveller record an input
/// format builds (`lintas_formats::record`): the same values and problems
/// as decoding its JSON text, without writing and reading the text. The
/// deserializer must be finite (a record is; hostile JSON text goes through
/// [`decode`], which bounds its depth first).
pub fn decode_from<'de, D: de::Deserializer<'de>>(
    program: &Program,
    ty: &Ty,
    deserializer: D,
    options: DecodeOptions,
) -> Result<Value, Vec<DecodeError>> {
    let errors = RefCell::new(Vec::new());
    let seed = Seed {
        program,
        ty,
        path: Path::Root,
        errors: &errors,
        options,
        depth: 0,
    };
    let result = seed.deserialize(deserializer);
    let mut errors = errors.into_inner();
    match result {
        Ok(value) if errors.is_empty() => Ok(value),
        Ok(_) => Err(errors),
        Err(e) => {
            // A failure the seed did not record itself still fails the record.
            if errors.is_empty() {
                errors.push(DecodeError {
                    kind: DecodeErrorKind::Syntax,
                    path: "$".to_string(),
                    message: e.to_string(),
                });
            }
            Err(errors)
        }
    }
}

/// The nesting depth of `json` when it exceeds [`MAX_JSON_DEPTH`]: a
/// linear scan, so that no later step recurses on hostile input.
fn too_deep(json: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in json.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (deepest > MAX_JSON_DEPTH).then_some(deepest)
}

#[derive(Clone)]
enum Path<'a> {
    Root,
    // Borrowed: a path is only written out for a problem, so a record that
    // decodes cleanly allocates nothing for it.
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A field name, borrowed from the input when the deserializer can lend it
/// (JSON text without escapes, records built in memory).
struct FieldName;

impl<'de> DeserializeSeed<'de> for FieldName {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldName {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v))
    }
}

struct Seed<'a, 'p> {
    program: &'a Program,
    ty: &'a Ty,
    path: Path<'p>,
    errors: &'a RefCell<Vec<DecodeError>>,
    options: DecodeOptions,
    depth: usize,
}

impl Seed<'_, '_> {
    fn error(&self, kind: DecodeErrorKind, message: String) -> Value {
        self.errors.borrow_mut().push(DecodeError {
            kind,
            path: self.path.to_string(),
            message,
        });
        Value::Absent
    }

    fn expected(&self) -> String {
        describe(self.program, self.ty)
    }

    fn wrong(&self, found: &str) -> Value {
        self.error(
            DecodeErrorKind::WrongType,
            format!("expected {}, found {found}", self.expected()),
        )
    }

    fn read_text(&self, text: &str) -> Value {
        match self.ty {
            Ty::Text => Value::Text(text.to_string()),
            Ty::Date => match calendar::parse_date(text) {
                Some(d) => Value::Date(d),
                None => self.error(
                    DecodeErrorKind::BadDate,
                    format!(
                        "`{text}` is not a date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)"
                    ),
                ),
            },
            Ty::Country => match countries::canonical(text) {
                Some(c) => Value::Country(c.to_string()),
                None => self.error(
                    DecodeErrorKind::UnknownCountry,
                    format!("`{text}` is not an ISO 3166-1 alpha-3 or ICAO 9303 country code"),
                ),
            },
            Ty::Enum(id) => {
                let def = self.program.enums.get(id.0 as usize);
                match def.and_then(|d| d.values.iter().position(|v| v == text)) {
                    Some(p) => Value::Enum(*id, u32::try_from(p).unwrap_or(u32::MAX)),
                    None => {
                        let allowed = def.map(|d| d.values.join(", ")).unwrap_or_default();
                        self.error(
                            DecodeErrorKind::UnknownEnumValue,
                            format!("`{text}` is not one of {allowed}"),
                        )
                    }
                }
            }
            Ty::Decimal => match value::parse_decimal(text) {
                Ok(d) => Value::Decimal(d),
                Err(m) => self.error(DecodeErrorKind::OutOfRange, m),
            },
            _ => self.wrong("text"),
        }
    }

    fn read_integer(&self, n: i128) -> Value {
        match self.ty {
            Ty::Int => match i64::try_from(n) {
                Ok(v) => Value::Int(v),
                Err(_) => self.error(
                    DecodeErrorKind::OutOfRange,
                    format!("{n} does not fit in a 64-bit integer"),
                ),
            },
            Ty::Decimal => match i64::try_from(n)
                .ok()
                .and_then(|v| v.checked_mul(value::DECIMAL_ONE))
            {
                Some(v) => Value::Decimal(v),
                None => self.error(
                    DecodeErrorKind::OutOfRange,
                    format!("{n} is too large for a Decimal"),
                ),
            },
            _ => self.wrong("a number"),
        }
    }
}

/// A type as a JSON user would name it.
pub fn describe(program: &Program, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "true or false".into(),
        Ty::Int => "a whole number".into(),
        Ty::Decimal => "a decimal number".into(),
        Ty::Text => "text".into(),
        Ty::Date => "a date as \"YYYY-MM-DD\"".into(),
        Ty::Duration => "a duration".into(),
        Ty::Country => "a country code as text".into(),
        Ty::Enum(id) => program.enums.get(id.0 as usize).map_or_else(
            || "an enum value".into(),
            |e| format!("one of {}", e.values.join(", ")),
        ),
        Ty::Record(id) => program
            .records
            .get(id.0 as usize)
            .map_or_else(|| "an object".into(), |r| format!("a `{}` object", r.name)),
        Ty::Optional(inner) => format!("{} or null", describe(program, inner)),
        Ty::List(inner) => format!("a list of {}", describe(program, inner)),
        Ty::Set(_) | Ty::Table(_) | Ty::Error => "a value".into(),
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if self.depth > MAX_JSON_DEPTH {
            // Refuse before recursing further; the error ends decoding.
            self.error(
                DecodeErrorKind::TooDeep,
                format!("nested more than {MAX_JSON_DEPTH} levels deep"),
            );
            return Err(de::Error::custom("input nested too deeply"));
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expected())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(match self.ty.without_optional() {
            Ty::Bool => Value::Bool(v),
            _ => self.wrong(if v { "true" } else { "false" }),
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(self.with_inner(|s| s.read_integer(i128::from(v))))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(self.with_inner(|s| s.read_integer(i128::from(v))))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(self.with_inner(|s| match s.ty {
            // The shortest text that reads back as the same double is what
            // the sender wrote, for any decimal with a few digits.
            Ty::Decimal if v.is_finite() => s.read_text(&format!("{v}")),
            // serde_json reads `10.0` and `1e2` as doubles: a whole number
            // in range written that way is a form problem, not a range one.
            Ty::Int if v.fract() == 0.0 && v.abs() < 9.2e18 => s.error(
                DecodeErrorKind::WrongType,
                format!("expected a whole number without a decimal point or exponent, found {v}"),
            ),
            Ty::Int if v.fract() == 0.0 => s.error(
                DecodeErrorKind::OutOfRange,
                format!("{v} does not fit in a 64-bit integer"),
            ),
            Ty::Int => s.error(
                DecodeErrorKind::WrongType,
                format!("expected a whole number, found {v}"),
            ),
            _ => s.wrong("a number"),
        }))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(self.with_inner(|s| s.read_text(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(match self.ty {
            Ty::Optional(_) => Value::Absent,
            _ => self.error(
                DecodeErrorKind::MissingField,
                format!("expected {}, found null", self.expected()),
            ),
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let Ty::List(element) = self.ty.without_optional() else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(self.wrong("a list"));
        };
        let mut items = Vec::new();
        let mut index = 0;
        loop {
            let seed = Seed {
                program: self.program,
                ty: element,
                path: Path::Index(&self.path, index),
                errors: self.errors,
                options: self.options,
                depth: self.depth + 1,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => break,
            }
            index += 1;
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Ty::Record(id) = self.ty.without_optional() else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(self.wrong("an object"));
        };
        let Some(record) = self.program.records.get(id.0 as usize) else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(Value::Absent);
        };
        let mut values: Vec<Option<Value>> = vec![None; record.fields.len()];
        while let Some(key) = map.next_key_seed(FieldName)? {
            match record.field(&key) {
                Some((index, field)) => {
                    let seed = Seed {
                        program: self.program,
                        ty: &field.ty,
                        path: Path::Field(&self.path, &key),
                        errors: self.errors,
                        options: self.options,
                        depth: self.depth + 1,
                    };
                    let value = map.next_value_seed(seed)?;
                    if let Some(slot) = values.get_mut(index) {
                        if slot.is_some() {
                            self.errors.borrow_mut().push(DecodeError {
                                kind: DecodeErrorKind::DuplicateField,
                                path: Path::Field(&self.path, &key).to_string(),
                                message: "the field is given twice".to_string(),
                            });
                        }
                        *slot = Some(value);
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    if self.options.strict {
                        let known: Vec<&str> =
                            record.fields.iter().map(|f| f.name.as_str()).collect();
                        self.errors.borrow_mut().push(DecodeError {
                            kind: DecodeErrorKind::UnknownField,
                            path: Path::Field(&self.path, &key).to_string(),
                            message: format!(
                                "`{}` has no field `{key}` (it has {})",
                                record.name,
                                known.join(", ")
                            ),
                        });
                    }
                }
            }
        }
        let mut fields = Vec::with_capacity(values.len());
        for (field, value) in record.fields.iter().zip(values) {
            fields.push(match (value, &field.ty) {
                (Some(v), _) => v,
                (None, Ty::Optional(_)) => Value::Absent,
                // Many senders leave out empty lists.
                (None, Ty::List(_)) => Value::List(Vec::new()),
                (None, ty) => {
                    self.errors.borrow_mut().push(DecodeError {
                        kind: DecodeErrorKind::MissingField,
                        path: Path::Field(&self.path, &field.name).to_string(),
                        message: format!(
                            "missing required field (expected {})",
                            describe(self.program, ty)
                        ),
                    });
                    Value::Absent
                }
            });
        }
        Ok(Value::Record(fields))
    }
}

impl Seed<'_, '_> {
    /// Runs `f` on the non-optional type: a present value of an optional
    /// field is read as the inner type.
    fn with_inner(self, f: impl FnOnce(&Seed<'_, '_>) -> Value) -> Value {
        match self.ty {
            Ty::Optional(inner) => {
                let seed = Seed {
                    program: self.program,
                    ty: inner,
                    path: self.path.clone(),
                    errors: self.errors,
                    options: self.options,
                    depth: self.depth,
                };
                f(&seed)
            }
            _ => f(&self),
        }
    }
}
