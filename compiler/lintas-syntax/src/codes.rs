//! Every diagnostic code, with the one-line summary that heads its entry in
//! `docs/diagnostics.md`. A test checks that each code here is documented
//! and has a fixture under `tests/data/check/`.

pub const SYNTAX: &str = "L0101";
pub const NESTING_TOO_DEEP: &str = "L0102";

pub const UNKNOWN_NAME: &str = "L0201";
pub const UNKNOWN_FIELD: &str = "L0202";
pub const DUPLICATE: &str = "L0203";
pub const UNKNOWN_TYPE: &str = "L0204";
pub const UNKNOWN_REASON: &str = "L0205";
pub const UNKNOWN_OUTCOME: &str = "L0206";
pub const UNKNOWN_DECISION: &str = "L0207";
pub const OVERRIDE_WITHOUT_BASE: &str = "L0208";
pub const REDEFINED_WITHOUT_OVERRIDE: &str = "L0209";
pub const UNKNOWN_FUNCTION: &str = "L0210";
pub const UNKNOWN_PURPOSE: &str = "L0211";
pub const UNKNOWN_COUNTRY: &str = "L0212";

pub const TYPE_MISMATCH: &str = "L0301";
pub const INVALID_LITERAL: &str = "L0302";
pub const UNCHECKED_OPTIONAL: &str = "L0303";
pub const WRONG_ARGUMENT_COUNT: &str = "L0304";
pub const NOT_A_RECORD: &str = "L0305";
pub const BAD_OPERANDS: &str = "L0306";
pub const NOT_ALLOWED_HERE: &str = "L0307";

pub const EMPTY_EFFECTIVE_RANGE: &str = "L0401";
pub const BAD_DECISION: &str = "L0402";
pub const BAD_TABLE: &str = "L0403";
pub const BAD_TEST: &str = "L0404";
pub const BAD_CLAUSES: &str = "L0405";
pub const CYCLE: &str = "L0406";

pub const BAD_MANIFEST: &str = "L0501";
pub const DATA_FILE: &str = "L0502";
pub const BAD_DATA: &str = "L0503";
pub const BAD_PACKAGE_LINK: &str = "L0504";

pub const CONSTANT_CONDITION: &str = "L0601";
pub const READS_SENSITIVE: &str = "L0602";
pub const UNUSED: &str = "L0603";

/// `(code, summary)` for every code, in order.
pub const ALL: &[(&str, &str)] = &[
    (SYNTAX, "syntax error"),
    (NESTING_TOO_DEEP, "input nests too deeply"),
    (UNKNOWN_NAME, "unknown name"),
    (UNKNOWN_FIELD, "unknown field"),
    (DUPLICATE, "defined twice"),
    (UNKNOWN_TYPE, "unknown type"),
    (UNKNOWN_REASON, "unknown reason code"),
    (UNKNOWN_OUTCOME, "unknown outcome"),
    (UNKNOWN_DECISION, "unknown decision"),
    (
        OVERRIDE_WITHOUT_BASE,
        "override of something that does not exist",
    ),
    (
        REDEFINED_WITHOUT_OVERRIDE,
        "redefinition of an extended item without `override`",
    ),
    (UNKNOWN_FUNCTION, "unknown function"),
    (UNKNOWN_PURPOSE, "unknown purpose"),
    (UNKNOWN_COUNTRY, "unknown country code"),
    (TYPE_MISMATCH, "type mismatch"),
    (INVALID_LITERAL, "invalid literal"),
    (
        UNCHECKED_OPTIONAL,
        "optional value used without a presence check",
    ),
    (WRONG_ARGUMENT_COUNT, "wrong number of arguments"),
    (NOT_A_RECORD, "field access on a value that has no fields"),
    (BAD_OPERANDS, "operator not defined for these types"),
    (NOT_ALLOWED_HERE, "construct not allowed here"),
    (EMPTY_EFFECTIVE_RANGE, "empty effective range"),
    (BAD_DECISION, "malformed decision"),
    (BAD_TABLE, "malformed table"),
    (BAD_TEST, "malformed test"),
    (BAD_CLAUSES, "clause missing or repeated"),
    (CYCLE, "value depends on itself"),
    (BAD_MANIFEST, "invalid `lintas.toml`"),
    (DATA_FILE, "data file missing or unreadable"),
    (BAD_DATA, "malformed reference data"),
    (BAD_PACKAGE_LINK, "broken package link"),
    (
        CONSTANT_CONDITION,
        "condition is always true or always false",
    ),
    (READS_SENSITIVE, "decision reads a sensitive field"),
    (UNUSED, "declared but never used"),
];
