//! One JSON record into a [`Traveller`], straight from serde_json's tokens:
//! texts borrowed from the input, countries and enum values as small ids,
//! the document number looked up in the lost/stolen list on the way.
//!
//! It accepts exactly the records `lintas_eval::decode` accepts with its
//! default options (unknown fields ignored; duplicates, nulls and wrong
//! types refused; a missing `visa` absent and a missing `visited` empty),
//! so the agreement test can compare the two on invalid records too. The `Visitor`s are written by
//! hand rather than derived because derived structs also take a JSON array
//! of the fields in order and derived enums a `{"tourism": null}` object,
//! which the interpreter refuses.

use crate::country::Country;
use crate::date::Date;
use crate::{Booking, Document, DocumentKind, Policy, Purpose, Traveller, Visa, Visit};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Deepest nesting of arrays and objects the interpreter accepts
/// (`lintas_eval::decode::MAX_JSON_DEPTH`).
const MAX_JSON_DEPTH: usize = 64;

pub(crate) fn traveller<'a>(policy: &Policy, json: &'a str) -> Result<Traveller<'a>, String> {
    if too_deep(json) {
        return Err(format!(
            "arrays and objects nest more than {MAX_JSON_DEPTH} levels deep"
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let traveller = TravellerSeed { policy }
        .deserialize(&mut deserializer)
        .and_then(|t| deserializer.end().map(|()| t))
        .map_err(|e| e.to_string())?;
    Ok(traveller)
}

/// Whether arrays and objects nest deeper than the interpreter accepts.
/// Unknown fields are skipped without looking inside, so this is the only
/// place their depth is seen. Counting brackets is cheap and settles the
/// question for any record with fewer than 65 of them; only larger ones
/// are scanned as the interpreter scans them.
fn too_deep(json: &str) -> bool {
    let brackets = json
        .bytes()
        .fold(0usize, |n, b| n + usize::from(b == b'[' || b == b'{'));
    if brackets <= MAX_JSON_DEPTH {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
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
                if depth > MAX_JSON_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Stores a field's value, refusing a second one.
fn set<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// A map key, turned into a field by `F` without keeping the text (which
/// may be unescaped into a temporary).
struct Key<F>(fn(&str) -> F);

impl<'de, F> DeserializeSeed<'de> for Key<F> {
    type Value = F;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<F, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<F> Visitor<'_> for Key<F> {
    type Value = F;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<F, E> {
        Ok((self.0)(v))
    }
}

/// A JSON string as text, borrowed unless it had escapes.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

/// A value read from one JSON string by `read`: dates, countries, enums.
struct FromStr<T> {
    read: fn(&str) -> Option<T>,
    expected: &'static str,
}

impl<'de, T> DeserializeSeed<'de> for FromStr<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<T> Visitor<'_> for FromStr<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.read)(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

const DATE: FromStr<Date> = FromStr {
    read: Date::parse,
    expected: "a date as \"YYYY-MM-DD\" between 0001-01-01 and 9999-12-31",
};

const COUNTRY: FromStr<Country> = FromStr {
    read: Country::from_code,
    expected: "an ISO 3166-1 alpha-3 or ICAO 9303 country code",
};

const PURPOSE: FromStr<Purpose> = FromStr {
    read: |v| match v {
        "tourism" => Some(Purpose::Tourism),
        "business" => Some(Purpose::Business),
        "transit" => Some(Purpose::Transit),
        "work" => Some(Purpose::Work),
        "study" => Some(Purpose::Study),
        _ => None,
    },
    expected: "one of tourism, business, transit, work, study",
};

const DOCUMENT_KIND: FromStr<DocumentKind> = FromStr {
    read: |v| match v {
        "passport" => Some(DocumentKind::Passport),
        "identity_card" => Some(DocumentKind::IdentityCard),
        "travel_document" => Some(DocumentKind::TravelDocument),
        _ => None,
    },
    expected: "one of passport, identity_card, travel_document",
};

/// A plain serde value (`bool`, `i64`), whose own impls already refuse
/// exactly what the interpreter refuses (floats for integers included).
fn plain<'de, T: de::Deserialize<'de>>() -> PhantomData<T> {
    PhantomData
}

enum TravellerField {
    Name,
    Nationality,
    BirthDate,
    ArrivalDate,
    Purpose,
    StayDays,
    Document,
    Visa,
    Accompanied,
    WatchlistHit,
    Visited,
    YellowFeverVaccinated,
    Booking,
    PriorOverstays,
    Unknown,
}

fn traveller_field(key: &str) -> TravellerField {
    match key {
        "name" => TravellerField::Name,
        "nationality" => TravellerField::Nationality,
        "birth_date" => TravellerField::BirthDate,
        "arrival_date" => TravellerField::ArrivalDate,
        "purpose" => TravellerField::Purpose,
        "stay_days" => TravellerField::StayDays,
        "document" => TravellerField::Document,
        "visa" => TravellerField::Visa,
        "accompanied" => TravellerField::Accompanied,
        "watchlist_hit" => TravellerField::WatchlistHit,
        "visited" => TravellerField::Visited,
        "yellow_fever_vaccinated" => TravellerField::YellowFeverVaccinated,
        "booking" => TravellerField::Booking,
        "prior_overstays" => TravellerField::PriorOverstays,
        _ => TravellerField::Unknown,
    }
}

struct TravellerSeed<'p> {
    policy: &'p Policy,
}

impl<'de> DeserializeSeed<'de> for TravellerSeed<'_> {
    type Value = Traveller<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TravellerSeed<'_> {
    type Value = Traveller<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `Traveller` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut name = None;
        let mut nationality = None;
        let mut birth_date = None;
        let mut arrival_date = None;
        let mut purpose = None;
        let mut stay_days = None;
        let mut document = None;
        let mut visa = None;
        let mut accompanied = None;
        let mut watchlist_hit = None;
        let mut visited = None;
        let mut yellow_fever_vaccinated = None;
        let mut booking = None;
        let mut prior_overstays = None;
        while let Some(field) = map.next_key_seed(Key(traveller_field))? {
            match field {
                TravellerField::Name => set(&mut name, map.next_value_seed(Text)?, "name")?,
                TravellerField::Nationality => set(
                    &mut nationality,
                    map.next_value_seed(COUNTRY)?,
                    "nationality",
                )?,
                TravellerField::BirthDate => {
                    set(&mut birth_date, map.next_value_seed(DATE)?, "birth_date")?;
                }
                TravellerField::ArrivalDate => {
                    set(
                        &mut arrival_date,
                        map.next_value_seed(DATE)?,
                        "arrival_date",
                    )?;
                }
                TravellerField::Purpose => {
                    set(&mut purpose, map.next_value_seed(PURPOSE)?, "purpose")?;
                }
                TravellerField::StayDays => {
                    set(&mut stay_days, map.next_value_seed(plain())?, "stay_days")?;
                }
                TravellerField::Document => set(
                    &mut document,
                    map.next_value_seed(DocumentSeed {
                        policy: self.policy,
                    })?,
                    "document",
                )?,
                TravellerField::Visa => set(&mut visa, map.next_value_seed(OptionalVisa)?, "visa")?,
                TravellerField::Accompanied => {
                    set(
                        &mut accompanied,
                        map.next_value_seed(plain())?,
                        "accompanied",
                    )?;
                }
                TravellerField::WatchlistHit => {
                    set(
                        &mut watchlist_hit,
                        map.next_value_seed(plain())?,
                        "watchlist_hit",
                    )?;
                }
                TravellerField::Visited => {
                    set(&mut visited, map.next_value_seed(Visits)?, "visited")?;
                }
                TravellerField::YellowFeverVaccinated => set(
                    &mut yellow_fever_vaccinated,
                    map.next_value_seed(plain())?,
                    "yellow_fever_vaccinated",
                )?,
                TravellerField::Booking => {
                    set(&mut booking, map.next_value_seed(BookingSeed)?, "booking")?;
                }
                TravellerField::PriorOverstays => set(
                    &mut prior_overstays,
                    map.next_value_seed(plain())?,
                    "prior_overstays",
                )?,
                TravellerField::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Traveller {
            name: required(name, "name")?,
            nationality: required(nationality, "nationality")?,
            birth_date: required(birth_date, "birth_date")?,
            arrival_date: required(arrival_date, "arrival_date")?,
            purpose: required(purpose, "purpose")?,
            stay_days: required(stay_days, "stay_days")?,
            document: required(document, "document")?,
            // An optional field left out is absent, like an explicit null.
            visa: visa.flatten(),
            accompanied: required(accompanied, "accompanied")?,
            watchlist_hit: required(watchlist_hit, "watchlist_hit")?,
            // Many senders leave out empty lists; the interpreter reads
            // them as empty.
            visited: visited.unwrap_or_default(),
            yellow_fever_vaccinated: required(yellow_fever_vaccinated, "yellow_fever_vaccinated")?,
            booking: required(booking, "booking")?,
            prior_overstays: required(prior_overstays, "prior_overstays")?,
        })
    }
}

enum DocumentField {
    Number,
    Kind,
    Issuer,
    Expiry,
    Electronic,
    MrzValid,
    Unknown,
}

fn document_field(key: &str) -> DocumentField {
    match key {
        "number" => DocumentField::Number,
        "kind" => DocumentField::Kind,
        "issuer" => DocumentField::Issuer,
        "expiry" => DocumentField::Expiry,
        "electronic" => DocumentField::Electronic,
        "mrz_valid" => DocumentField::MrzValid,
        _ => DocumentField::Unknown,
    }
}

struct DocumentSeed<'p> {
    policy: &'p Policy,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = Document<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = Document<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `Document` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut number = None;
        let mut kind = None;
        let mut issuer = None;
        let mut expiry = None;
        let mut electronic = None;
        let mut mrz_valid = None;
        while let Some(field) = map.next_key_seed(Key(document_field))? {
            match field {
                DocumentField::Number => set(&mut number, map.next_value_seed(Text)?, "number")?,
                DocumentField::Kind => set(&mut kind, map.next_value_seed(DOCUMENT_KIND)?, "kind")?,
                DocumentField::Issuer => {
                    set(&mut issuer, map.next_value_seed(COUNTRY)?, "issuer")?;
                }
                DocumentField::Expiry => set(&mut expiry, map.next_value_seed(DATE)?, "expiry")?,
                DocumentField::Electronic => {
                    set(&mut electronic, map.next_value_seed(plain())?, "electronic")?;
                }
                DocumentField::MrzValid => {
                    set(&mut mrz_valid, map.next_value_seed(plain())?, "mrz_valid")?;
                }
                DocumentField::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let number = required(number, "number")?;
        Ok(Document {
            lost_stolen: self.policy.is_lost_or_stolen(&number),
            number,
            kind: required(kind, "kind")?,
            issuer: required(issuer, "issuer")?,
            expiry: required(expiry, "expiry")?,
            electronic: required(electronic, "electronic")?,
            mrz_valid: required(mrz_valid, "mrz_valid")?,
        })
    }
}

/// `visa`: null is absent.
struct OptionalVisa;

impl<'de> DeserializeSeed<'de> for OptionalVisa {
    type Value = Option<Visa<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalVisa {
    type Value = Option<Visa<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `Visa` object or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(VisaSeed).map(Some)
    }
}

struct VisaSeed;

impl<'de> Visitor<'de> for VisaSeed {
    type Value = Visa<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `Visa` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut number = None;
        let mut valid_until = None;
        while let Some(field) = map.next_key_seed(Key(|k| match k {
            "number" => 0u8,
            "valid_until" => 1,
            _ => 2,
        }))? {
            match field {
                0 => set(&mut number, map.next_value_seed(Text)?, "number")?,
                1 => set(&mut valid_until, map.next_value_seed(DATE)?, "valid_until")?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Visa {
            number: required(number, "number")?,
            valid_until: required(valid_until, "valid_until")?,
        })
    }
}

struct Visits;

impl<'de> DeserializeSeed<'de> for Visits {
    type Value = Vec<Visit>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Visits {
    type Value = Vec<Visit>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of `Visit` objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut visits = Vec::new();
        while let Some(visit) = seq.next_element_seed(VisitSeed)? {
            visits.push(visit);
        }
        Ok(visits)
    }
}

struct VisitSeed;

impl<'de> DeserializeSeed<'de> for VisitSeed {
    type Value = Visit;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Visit, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for VisitSeed {
    type Value = Visit;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `Visit` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Visit, A::Error> {
        let mut country = None;
        let mut departed = None;
        while let Some(field) = map.next_key_seed(Key(|k| match k {
            "country" => 0u8,
            "departed" => 1,
            _ => 2,
        }))? {
            match field {
                0 => set(&mut country, map.next_value_seed(COUNTRY)?, "country")?,
                1 => set(&mut departed, map.next_value_seed(DATE)?, "departed")?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Visit {
            country: required(country, "country")?,
            departed: required(departed, "departed")?,
        })
    }
}

enum BookingField {
    PaidCash,
    OneWay,
    Booked,
    GroupSize,
    Unknown,
}

struct BookingSeed;

impl<'de> DeserializeSeed<'de> for BookingSeed {
    type Value = Booking;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Booking, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BookingSeed {
    type Value = Booking;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `Booking` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Booking, A::Error> {
        let mut paid_cash = None;
        let mut one_way = None;
        let mut booked = None;
        let mut group_size = None;
        while let Some(field) = map.next_key_seed(Key(|k| match k {
            "paid_cash" => BookingField::PaidCash,
            "one_way" => BookingField::OneWay,
            "booked" => BookingField::Booked,
            "group_size" => BookingField::GroupSize,
            _ => BookingField::Unknown,
        }))? {
            match field {
                BookingField::PaidCash => {
                    set(&mut paid_cash, map.next_value_seed(plain())?, "paid_cash")?;
                }
                BookingField::OneWay => {
                    set(&mut one_way, map.next_value_seed(plain())?, "one_way")?;
                }
                BookingField::Booked => set(&mut booked, map.next_value_seed(DATE)?, "booked")?,
                BookingField::GroupSize => {
                    set(&mut group_size, map.next_value_seed(plain())?, "group_size")?;
                }
                BookingField::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Booking {
            paid_cash: required(paid_cash, "paid_cash")?,
            one_way: required(one_way, "one_way")?,
            booked: required(booked, "booked")?,
            group_size: required(group_size, "group_size")?,
        })
    }
}
