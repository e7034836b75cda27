//! The formats' travellers as records: small trees of named fields with the
//! fixed names rule schemas are written against, so that a rule package can
//! decide an MRZ or a PAXLST passenger like any JSON record.
//!
//! A [`Record`] serializes to a JSON object (what `lintas eval` prints and
//! decodes), and is itself a serde `Deserializer`: a schema-driven decoder
//! reads it straight into its own values, with no JSON text in between and
//! the same result as decoding that text. Texts borrow from the parsed
//! message where they can. There is one mapping for both paths, so they
//! cannot drift apart.
//!
//! The field names, per format:
//!
//! * MRZ ([`crate::mrz::Mrz::record`]): `name`, `surname`, `given_names`,
//!   `sex` (`M`, `F` or absent), `birth_date`, `nationality`, `document {
//!   number, code, kind, issuer, expiry, mrz_valid, failed_checks }`.
//!   Partial dates (`<<`) are left out.
//! * PAXLST ([`crate::paxlst::Manifest::records`]): `name`, `surname`,
//!   `given_names`, `sex`, `birth_date`, `nationality`, `role` (`passenger`,
//!   `crew`, `other`), `embarkation`, `debarkation`, `arrival_date` (the day
//!   the border-crossing leg arrives, the same for every traveller),
//!   `booking { reference }` and `document { number, code, kind, issuer,
//!   expiry }` (the first passport, else the first document).
//!
//! Empty or unknown values are left out rather than sent empty, so that a
//! schema that requires them names the missing field.

use crate::date::Date;
use serde::de::value::{BorrowedStrDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// One field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<'a> {
    Text(Cow<'a, str>),
    Bool(bool),
    /// Written `YYYY-MM-DD`.
    Date(Date),
    List(Vec<Field<'a>>),
    Record(Record<'a>),
}

/// Named fields in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record<'a> {
    fields: Vec<(&'static str, Field<'a>)>,
}

impl<'a> Record<'a> {
    pub fn new() -> Record<'a> {
        Record { fields: Vec::new() }
    }

    /// Adds a field (the caller adds each name once).
    pub fn push(&mut self, name: &'static str, value: Field<'a>) {
        self.fields.push((name, value));
    }

    /// Adds a text field, unless the text is empty or unknown.
    pub fn text(&mut self, name: &'static str, value: Option<impl Into<Cow<'a, str>>>) {
        if let Some(text) = value.map(Into::into).filter(|t| !t.is_empty()) {
            self.push(name, Field::Text(text));
        }
    }

    /// Adds a date field, unless the date is unknown.
    pub fn date(&mut self, name: &'static str, value: Option<Date>) {
        if let Some(date) = value {
            self.push(name, Field::Date(date));
        }
    }

    /// The field called `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn fields(&self) -> &[(&'static str, Field<'a>)] {
        &self.fields
    }
}

/// The `kind` of a document from its ICAO 9303 / PAXLST document code.
pub(crate) fn document_kind(code: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'P') => "passport",
        Some(b'I' | b'A' | b'C') => "identity_card",
        Some(b'V') => "visa",
        _ => "travel_document",
    }
}

/// `M` or `F`; unspecified is left out.
pub(crate) fn sex_code(sex: crate::mrz::Sex) -> Option<&'static str> {
    match sex {
        crate::mrz::Sex::Male => Some("M"),
        crate::mrz::Sex::Female => Some("F"),
        crate::mrz::Sex::Unspecified => None,
    }
}

/// `name` as documents print it: given names, then the surname.
pub(crate) fn full_name(given_names: &str, surname: &str) -> String {
    let mut name = String::with_capacity(given_names.len() + surname.len() + 1);
    name.push_str(given_names.trim());
    if !name.is_empty() && !surname.trim().is_empty() {
        name.push(' ');
    }
    name.push_str(surname.trim());
    name
}

/// `YYYY-MM-DD` without allocating, for years 0 to 9999 (every date the
/// parsers produce); `None` otherwise.
fn iso(date: Date, buffer: &mut [u8; 10]) -> Option<&str> {
    let year = u16::try_from(date.year).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u16| b'0' + u8::try_from(n % 10).unwrap_or(0);
    *buffer = [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(u16::from(date.month) / 10),
        digit(u16::from(date.month)),
        b'-',
        digit(u16::from(date.day) / 10),
        digit(u16::from(date.day)),
    ];
    std::str::from_utf8(buffer).ok()
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Text(text) => serializer.serialize_str(text),
            Field::Bool(b) => serializer.serialize_bool(*b),
            Field::Date(date) => serializer.collect_str(date),
            Field::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Field::Record(record) => record.serialize(serializer),
        }
    }
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The error of deserializing a record: only the visitor can fail.
pub type Error = de::value::Error;

impl<'de> de::Deserializer<'de> for Field<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Field::Text(Cow::Borrowed(text)) => visitor.visit_borrowed_str(text),
            Field::Text(Cow::Owned(text)) => visitor.visit_string(text),
            Field::Bool(b) => visitor.visit_bool(b),
            Field::Date(date) => {
                let mut buffer = [0u8; 10];
                match iso(date, &mut buffer) {
                    Some(text) => visitor.visit_str(text),
                    None => visitor.visit_string(date.to_string()),
                }
            }
            Field::List(items) => visitor.visit_seq(SeqDeserializer::new(items.into_iter())),
            Field::Record(record) => record.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::Deserializer<'de> for Record<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Names are 'static, so they are handed over as borrowed text.
        let entries = self
            .fields
            .into_iter()
            .map(|(name, value)| (BorrowedStrDeserializer::new(name), value));
        let mut map = MapDeserializer::new(entries);
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, Error> for Field<'de> {
    type Deserializer = Field<'de>;

    fn into_deserializer(self) -> Field<'de> {
        self
    }
}

impl<'de> IntoDeserializer<'de, Error> for Record<'de> {
    type Deserializer = Record<'de>;

    fn into_deserializer(self) -> Record<'de> {
        self
    }
}

impl fmt::Display for Record<'_> {
    /// The record as compact JSON-like text, for messages and tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (name, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}: {value}")?;
        }
        f.write_str("}")
    }
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Text(text) => write!(f, "{text:?}"),
            Field::Bool(b) => write!(f, "{b}"),
            Field::Date(date) => write!(f, "{date}"),
            Field::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Field::Record(record) => write!(f, "{record}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn dates_are_written_iso_without_allocating() {
        let mut buffer = [0u8; 10];
        let date = Date::new(2026, 3, 1).unwrap_or(Date {
            year: 0,
            month: 1,
            day: 1,
        });
        assert_eq!(iso(date, &mut buffer), Some("2026-03-01"));
        let far = Date {
            year: 12_026,
            month: 3,
            day: 1,
        };
        assert_eq!(iso(far, &mut buffer), None);
        assert_eq!(full_name(" ANNA MARIA ", "ERIKSSON"), "ANNA MARIA ERIKSSON");
        assert_eq!(full_name("", "ERIKSSON"), "ERIKSSON");
        assert_eq!(full_name("ANNA", ""), "ANNA");
    }

    /// Deserializing a record gives what deserializing its JSON text gives.
    #[test]
    fn a_record_deserializes_like_its_json() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Document {
            number: String,
            mrz_valid: bool,
            failed_checks: Vec<String>,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Traveller {
            name: String,
            birth_date: String,
            document: Document,
        }
        let mut document = Record::new();
        document.text("number", Some("L898902C3"));
        document.push("mrz_valid", Field::Bool(false));
        document.push(
            "failed_checks",
            Field::List(vec![Field::Text("composite".into())]),
        );
        let mut record = Record::new();
        record.text("name", Some(full_name("ANNA", "ERIKSSON")));
        record.text("sex", Some(""));
        record.date("birth_date", Date::new(1974, 8, 12));
        record.push("document", Field::Record(document));
        assert!(record.get("sex").is_none(), "empty texts are left out");
        let direct = Traveller::deserialize(record.clone());
        assert_eq!(
            record.to_string(),
            r#"{name: "ANNA ERIKSSON", birth_date: 1974-08-12, document: {number: "L898902C3", mrz_valid: false, failed_checks: ["composite"]}}"#
        );
        assert_eq!(
            direct.ok(),
            Some(Traveller {
                name: "ANNA ERIKSSON".into(),
                birth_date: "1974-08-12".into(),
                document: Document {
                    number: "L898902C3".into(),
                    mrz_valid: false,
                    failed_checks: vec!["composite".into()],
                },
            })
        );
    }
}
