//! Operations generated code calls instead of inlining: calendar
//! arithmetic, 128-bit Decimal products, text functions. Each one is the
//! reference interpreter's operation (the same library functions), so the
//! backends cannot drift on what a month or a name key is.
#![allow(unsafe_code)]

use crate::runtime::Scratch;
use lintas_check::calendar;
use lintas_check::value::DECIMAL_ONE;

/// Status of a fallible helper.
pub const OK: i64 = 0;
pub const FAILED: i64 = 1;
pub const DIVIDED_BY_ZERO: i64 = 2;

fn scratch<'a>(address: i64) -> &'a mut Scratch {
    // SAFETY: generated code passes the `Env::scratch` it was given, which
    // `Native` sets to a live, exclusively borrowed `Scratch` for the call.
    unsafe { &mut *(address as *mut Scratch) }
}

fn write(out: i64, value: i64) {
    // SAFETY: `out` is a stack slot of the calling generated function.
    unsafe { *(out as *mut i64) = value }
}

pub extern "C" fn years_between(from: i64, to: i64) -> i64 {
    calendar::years_between(from, to)
}

pub extern "C" fn months_between(from: i64, to: i64) -> i64 {
    calendar::months_between(from, to)
}

/// `date + months + days` (or minus both when `negate`), into `out`.
pub extern "C" fn date_shift(date: i64, months: i64, days: i64, negate: i64, out: i64) -> i64 {
    let (months, days) = if negate != 0 {
        match (months.checked_neg(), days.checked_neg()) {
            (Some(m), Some(d)) => (m, d),
            _ => return FAILED,
        }
    } else {
        (months, days)
    };
    let shifted = if months != 0 {
        calendar::add_months(date, months)
    } else {
        Some(date)
    };
    match shifted.and_then(|d| calendar::add_days(d, days)) {
        Some(d) => {
            write(out, d);
            OK
        }
        None => FAILED,
    }
}

pub extern "C" fn dec_mul(x: i64, y: i64, out: i64) -> i64 {
    let wide = i128::from(x) * i128::from(y) / i128::from(DECIMAL_ONE);
    match i64::try_from(wide) {
        Ok(v) => {
            write(out, v);
            OK
        }
        Err(_) => FAILED,
    }
}

pub extern "C" fn dec_div(x: i64, y: i64, out: i64) -> i64 {
    if y == 0 {
        return DIVIDED_BY_ZERO;
    }
    let wide = i128::from(x) * i128::from(DECIMAL_ONE) / i128::from(y);
    match i64::try_from(wide) {
        Ok(v) => {
            write(out, v);
            OK
        }
        Err(_) => FAILED,
    }
}

/// Equality of two texts that are not both interned.
pub extern "C" fn text_eq(scratch_address: i64, a: i64, b: i64) -> i64 {
    let s = scratch(scratch_address);
    i64::from(s.text(a) == s.text(b))
}

pub extern "C" fn text_cmp(scratch_address: i64, a: i64, b: i64) -> i64 {
    let s = scratch(scratch_address);
    match s.text(a).cmp(s.text(b)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

pub extern "C" fn lower(scratch_address: i64, t: i64) -> i64 {
    let s = scratch(scratch_address);
    let text = s.text(t).to_lowercase();
    s.text_word(text)
}

pub extern "C" fn upper(scratch_address: i64, t: i64) -> i64 {
    let s = scratch(scratch_address);
    let text = s.text(t).to_uppercase();
    s.text_word(text)
}

pub extern "C" fn name_key(scratch_address: i64, t: i64) -> i64 {
    let s = scratch(scratch_address);
    let text = lintas_check::names::name_key(s.text(t));
    s.text_word(text)
}

pub extern "C" fn length(scratch_address: i64, t: i64) -> i64 {
    let s = scratch(scratch_address);
    i64::try_from(s.text(t).chars().count()).unwrap_or(i64::MAX)
}

pub extern "C" fn contains(scratch_address: i64, t: i64, p: i64) -> i64 {
    let s = scratch(scratch_address);
    i64::from(s.text(t).contains(s.text(p)))
}

pub extern "C" fn starts_with(scratch_address: i64, t: i64, p: i64) -> i64 {
    let s = scratch(scratch_address);
    i64::from(s.text(t).starts_with(s.text(p)))
}

pub extern "C" fn name_similarity(scratch_address: i64, a: i64, b: i64) -> i64 {
    let s = scratch(scratch_address);
    lintas_check::names::similarity(s.text(a), s.text(b))
}

pub extern "C" fn alloc(scratch_address: i64, words: i64) -> i64 {
    scratch(scratch_address).alloc(usize::try_from(words).unwrap_or(0))
}

/// The address of the row whose keys are the `n` words at `keys`, or 0.
pub extern "C" fn lookup(scratch_address: i64, table: i64, keys: i64, n: i64) -> i64 {
    let n = usize::try_from(n).unwrap_or(0);
    // SAFETY: `keys` is a stack slot of `n` words of the calling function.
    let keys = unsafe { std::slice::from_raw_parts(keys as *const i64, n) };
    scratch(scratch_address).lookup(usize::try_from(table).unwrap_or(usize::MAX), keys)
}

/// Every helper, by the symbol name generated code imports, with its
/// number of parameters and results (all i64).
pub fn symbols() -> Vec<(&'static str, *const u8, usize, usize)> {
    vec![
        ("lintas_years_between", years_between as *const u8, 2, 1),
        ("lintas_months_between", months_between as *const u8, 2, 1),
        ("lintas_date_shift", date_shift as *const u8, 5, 1),
        ("lintas_dec_mul", dec_mul as *const u8, 3, 1),
        ("lintas_dec_div", dec_div as *const u8, 3, 1),
        ("lintas_text_eq", text_eq as *const u8, 3, 1),
        ("lintas_text_cmp", text_cmp as *const u8, 3, 1),
        ("lintas_lower", lower as *const u8, 2, 1),
        ("lintas_upper", upper as *const u8, 2, 1),
        ("lintas_name_key", name_key as *const u8, 2, 1),
        ("lintas_length", length as *const u8, 2, 1),
        ("lintas_contains", contains as *const u8, 3, 1),
        ("lintas_starts_with", starts_with as *const u8, 3, 1),
        ("lintas_name_similarity", name_similarity as *const u8, 3, 1),
        ("lintas_alloc", alloc as *const u8, 2, 1),
        ("lintas_lookup", lookup as *const u8, 4, 1),
    ]
}
