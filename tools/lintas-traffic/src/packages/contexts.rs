//! Evaluation contexts as `lintas eval --context` reads them. The first
//! contexts cycle through the package's planned (date, member) slots, the
//! ones its effective ranges and `applies to` lists were built around, so
//! that any four consecutive contexts put every rule in force at least once.

use super::draw;
use super::json::J;
use super::pools;
use super::records::Basis;
use super::values::{self, Kind, Val};
use crate::Rng;

pub(crate) fn generate(src: &Basis<'_>, seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let slots = src.dates.len().min(src.members.len()).max(1);
    let rotation = draw::count(&mut rng, 0, slots - 1);
    (0..count)
        .map(|i| {
            let slot = (i + rotation) % slots;
            let mut date = src.dates.get(slot).copied().unwrap_or(20_513);
            // Past the first round, days beside the planned ones: the ends
            // of effective ranges are exact.
            if i >= slots && rng.chance(0.3) {
                date = values::clamp_date(date + rng.range(-2, 2));
            }
            let member = src
                .members
                .get(slot)
                .cloned()
                .unwrap_or_else(|| "SGP".to_string());
            // In the first round each optional part is present in some
            // contexts and absent in others; later rounds are free.
            let pattern = (i < slots).then_some(i);
            context(&mut rng, src, date, member, pattern).render()
        })
        .collect()
}

fn context(rng: &mut Rng, src: &Basis<'_>, date: i64, member: String, pattern: Option<usize>) -> J {
    let mut fields = vec![
        ("date".to_string(), J::Str(values::format_date(date))),
        ("member".to_string(), J::Str(member)),
    ];
    // Weights that force presence (or absence) for the patterned contexts.
    let choose = |rng: &mut Rng, free: [u32; 3], present: bool| match pattern {
        Some(_) if present => 2,
        Some(_) => draw::weighted(rng, &[1, 1, 0]),
        None => draw::weighted(rng, &free),
    };
    let checkpoint = choose(rng, [3, 1, 6], pattern.is_some_and(|i| i % 2 == 0));
    let emergencies = choose(rng, [4, 1, 5], pattern.is_some_and(|i| i % 3 != 1));
    let recipient = match pattern {
        Some(i) => i % 2 == 1,
        None => rng.chance(0.3),
    };
    match checkpoint {
        0 => {}
        1 => fields.push(("checkpoint".into(), J::Null)),
        _ => {
            let checkpoint = match src.dict.draw(rng, Kind::Text) {
                Some(Val::Text(t)) if rng.chance(0.3) => t,
                _ => (*draw::pick(rng, pools::CHECKPOINTS).unwrap_or(&"KLIA2")).to_string(),
            };
            fields.push(("checkpoint".into(), J::Str(checkpoint)));
        }
    }
    match emergencies {
        0 => {}
        1 => fields.push(("emergencies".into(), J::Arr(Vec::new()))),
        _ => {
            let n = draw::count(rng, 1, 3);
            let list = (0..n).map(|i| emergency(rng, src, date, i)).collect();
            fields.push(("emergencies".into(), J::Arr(list)));
        }
    }
    if recipient {
        let recipient = (*draw::pick(rng, pools::ASEAN).unwrap_or(&"MYS")).to_string();
        fields.push(("recipient".into(), J::Str(recipient)));
    }
    J::Obj(fields)
}

fn emergency(rng: &mut Rng, src: &Basis<'_>, date: i64, index: usize) -> J {
    let mut origins = Vec::new();
    for _ in 0..draw::count(rng, 1, 3) {
        let origin = match src.dict.draw(rng, Kind::Country) {
            Some(Val::Country(c)) if rng.chance(0.5) => c,
            _ => (*draw::pick(rng, pools::ASEAN).unwrap_or(&"CHN")).to_string(),
        };
        origins.push(J::Str(origin));
    }
    let declared = if rng.chance(0.1) {
        date + rng.range(1, 10)
    } else {
        date - rng.range(0, 90)
    };
    let mut fields = vec![
        ("id".to_string(), J::Str(format!("PHEIC-{index:02}"))),
        (
            "disease".to_string(),
            J::Str((*draw::pick(rng, pools::DISEASES).unwrap_or(&"COVID-19")).to_string()),
        ),
        ("origins".to_string(), J::Arr(origins)),
        (
            "declared".to_string(),
            J::Str(values::format_date(values::clamp_date(declared))),
        ),
    ];
    match draw::weighted(rng, &[5, 1, 4]) {
        0 => {}
        1 => fields.push(("lifted".into(), J::Null)),
        _ => {
            let lifted = values::clamp_date(date + rng.range(-20, 20));
            fields.push(("lifted".into(), J::Str(values::format_date(lifted))));
        }
    }
    J::Obj(fields)
}
