//! Values back to JSON, by their type: dates as `YYYY-MM-DD`, enum values
//! and countries as text, Decimals as exact text.

use lintas_check::calendar;
use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_check::value::{Value, format_decimal};
use serde_json::json;

pub fn to_json(program: &Program, value: &Value, ty: &Ty) -> serde_json::Value {
    match (value, ty) {
        (Value::Absent, _) => serde_json::Value::Null,
        (Value::Bool(b), _) => json!(b),
        (Value::Int(i), _) => json!(i),
        (Value::Decimal(d), _) => json!(format_decimal(*d)),
        (Value::Text(t), _) => json!(t),
        (Value::Date(d), _) => json!(calendar::format_date(*d)),
        (Value::Duration { months, days }, _) => json!({ "months": months, "days": days }),
        (Value::Country(c), _) => json!(c),
        (Value::Enum(id, index), _) => program
            .enums
            .get(id.0 as usize)
            .and_then(|e| e.values.get(*index as usize))
            .map_or(serde_json::Value::Null, |v| json!(v)),
        (Value::List(items), ty) => {
            let element = match ty.without_optional() {
                Ty::List(t) => (**t).clone(),
                _ => Ty::Error,
            };
            serde_json::Value::Array(
                items
                    .iter()
                    .map(|i| to_json(program, i, &element))
                    .collect(),
            )
        }
        (Value::Record(fields), ty) => {
            let def = match ty.without_optional() {
                Ty::Record(id) => program.records.get(id.0 as usize),
                _ => None,
            };
            let mut map = serde_json::Map::new();
            for (i, field) in fields.iter().enumerate() {
                let (name, field_ty) = def.and_then(|d| d.fields.get(i)).map_or_else(
                    || (format!("{i}"), Ty::Error),
                    |f| (f.name.clone(), f.ty.clone()),
                );
                if *field != Value::Absent {
                    map.insert(name, to_json(program, field, &field_ty));
                }
            }
            serde_json::Value::Object(map)
        }
    }
}
