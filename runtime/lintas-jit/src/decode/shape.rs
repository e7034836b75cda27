//! The walk over a text that serde_json stops with its own syntax error.

use super::{FastDecoder, Kind, NodeId};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Walks JSON with the deserializer calls the reference decoder makes
/// (`deserialize_any` where it reads a value, `IgnoredAny` where it skips
/// one, `Cow<str>` for keys), checking nothing else: serde_json then
/// stops with the very error the reference decoder reports.
pub(super) struct Shape<'d> {
    pub(super) decoder: &'d FastDecoder,
    pub(super) node: NodeId,
}

impl<'de> DeserializeSeed<'de> for Shape<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Shape<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decoder.node(self.node).expected)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let decoder = self.decoder;
        match decoder.node(self.node).inner {
            Kind::List(element) => {
                while seq
                    .next_element_seed(Shape {
                        decoder,
                        node: element,
                    })?
                    .is_some()
                {}
            }
            _ => while seq.next_element::<IgnoredAny>()?.is_some() {},
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let decoder = self.decoder;
        let record = match decoder.node(self.node).inner {
            Kind::Record(r) => decoder.records.get(r),
            _ => None,
        };
        match record {
            Some(record) => {
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match record.field(&key).and_then(|i| record.fields.get(i)) {
                        Some(field) => map.next_value_seed(Shape {
                            decoder,
                            node: field.node,
                        })?,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
            }
            None => while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {},
        }
        Ok(())
    }
}
