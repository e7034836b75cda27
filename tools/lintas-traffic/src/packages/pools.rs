//! Fixed vocabularies the generator draws from: names for things, country
//! codes, people's names in the scripts real manifests carry. Changing an
//! entry changes what a seed means, so append rather than edit.

use crate::Rng;

pub(crate) const ASEAN: &[&str] = &[
    "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS",
];

/// Valid ISO 3166-1 alpha-3 codes, for large sets and random nationalities.
pub(crate) const WORLD: &[&str] = &[
    "AFG", "AGO", "ALB", "ARE", "ARG", "ARM", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BFA",
    "BGD", "BGR", "BHR", "BIH", "BLR", "BOL", "BRA", "BTN", "BWA", "CAF", "CAN", "CHE", "CHL",
    "CHN", "CIV", "CMR", "COD", "COG", "COL", "CRI", "CUB", "CYP", "CZE", "DEU", "DNK", "DOM",
    "DZA", "ECU", "EGY", "ESP", "EST", "ETH", "FIN", "FJI", "FRA", "GAB", "GBR", "GEO", "GHA",
    "GIN", "GMB", "GRC", "GTM", "HKG", "HND", "HRV", "HTI", "HUN", "IND", "IRL", "IRN", "IRQ",
    "ISL", "ISR", "ITA", "JAM", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KOR", "KWT", "LBN", "LBR",
    "LKA", "LTU", "LUX", "LVA", "MAC", "MAR", "MDA", "MDG", "MEX", "MLI", "MLT", "MNG", "MOZ",
    "MRT", "MUS", "MWI", "NAM", "NER", "NGA", "NIC", "NLD", "NOR", "NPL", "NZL", "OMN", "PAK",
    "PAN", "PER", "PNG", "POL", "PRK", "PRT", "PRY", "QAT", "ROU", "RUS", "RWA", "SAU", "SDN",
    "SEN", "SLE", "SOM", "SRB", "SSD", "SUR", "SVK", "SVN", "SWE", "SYR", "TCD", "TGO", "TJK",
    "TKM", "TTO", "TUN", "TUR", "TWN", "TZA", "UGA", "UKR", "URY", "USA", "UZB", "VEN", "YEM",
    "ZAF", "ZMB", "ZWE",
];

/// ICAO Doc 9303 codes beyond ISO, `D` (Germany) among them.
pub(crate) const ICAO_SPECIAL: &[&str] = &["D", "XXA", "XXB", "UNO", "EUE", "GBD", "UTO", "XXX"];

pub(crate) const PEOPLE: &[&str] = &[
    "Siti Rahma",
    "Nurul Aina binti Ismail",
    "Nguyễn Thị Minh Khai",
    "Trần Văn Đức",
    "Lê Bảo Long",
    "Phạm Văn Đức",
    "Đặng Thùy Trâm",
    "สมชาย ใจดี",
    "สุดารัตน์ แก้วมณี",
    "ผู้ใหญ่",
    "Jürgen Müller",
    "Seán O'Brien-Smith",
    "Dewi Lestari",
    "Tan Jun Hao",
    "陈佳慧",
    "Sok Dara",
    "Chan Sophea",
    "José María Núñez",
];

pub(crate) const CHECKPOINTS: &[&str] = &[
    "Changi T3",
    "Woodlands",
    "Suvarnabhumi",
    "Tân Sơn Nhất",
    "Soekarno-Hatta",
    "KLIA2",
    "Ninoy Aquino",
];

pub(crate) const DISEASES: &[&str] = &["COVID-19", "Ebola", "Mpox", "Yellow fever", "Nipah"];

/// Texts that stress decoders and string builtins.
pub(crate) const ODD_TEXTS: &[&str] = &[
    "",
    " ",
    "a\"quoted\" name",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "emoji 😀 face",
    "ẞtraße",
    "İstanbul",
    "ǅemal",
    "MUELLER",
    "mueller",
    "<<SMITH<<JOHN",
];

pub(crate) const FIELD_NAMES: &[(&str, &[&str])] = &[
    (
        "Bool",
        &[
            "accompanied",
            "watchlisted",
            "paid_cash",
            "one_way",
            "electronic",
            "mrz_valid",
            "vaccinated",
            "registered",
            "returning",
        ],
    ),
    (
        "Int",
        &[
            "stay_days",
            "prior_overstays",
            "group_size",
            "bags",
            "visits_count",
            "points",
            "miles",
            "nights",
        ],
    ),
    (
        "Decimal",
        &[
            "fare",
            "risk",
            "weight_kg",
            "amount",
            "ratio",
            "fee",
            "balance",
        ],
    ),
    (
        "Text",
        &[
            "name",
            "number",
            "reference",
            "given_name",
            "family_name",
            "contact",
            "remarks",
            "code",
        ],
    ),
    (
        "Date",
        &[
            "birth_date",
            "arrival_date",
            "expiry",
            "issued",
            "booked",
            "departed",
            "valid_until",
            "last_entry",
        ],
    ),
    (
        "Country",
        &[
            "nationality",
            "issuer",
            "origin",
            "destination",
            "residence",
            "country",
        ],
    ),
    ("Enum", &["purpose", "kind", "class", "status", "channel"]),
    (
        "Record",
        &[
            "document", "visa", "booking", "sponsor", "health", "vehicle", "guardian",
        ],
    ),
    (
        "ScalarList",
        &[
            "aliases",
            "countries_seen",
            "prints",
            "stops",
            "ratings",
            "dates",
        ],
    ),
    ("RecordList", &["visits", "legs", "companions", "entries"]),
];

/// Field names in other scripts, and words that are keywords elsewhere:
/// both are legal field names.
pub(crate) const ODD_FIELD_NAMES: &[&str] = &[
    "ชื่อ",
    "tuổi",
    "ngày_đến",
    "quốc_tịch",
    "usia",
    "from",
    "to",
    "in",
    "count",
    "source",
    "default",
];

pub(crate) const RECORD_NAMES: &[&str] = &[
    "Document",
    "Visa",
    "Booking",
    "Sponsor",
    "Health",
    "Vehicle",
    "Guardian",
    "Leg",
    "Visit",
    "Entry",
    "Companion",
    "Itinerary",
];

pub(crate) const SUBJECT_NAMES: &[(&str, &str)] = &[
    ("Traveller", "traveller"),
    ("Passenger", "pax"),
    ("Visitor", "visitor"),
    ("Crew", "crew"),
    ("Applicant", "p"),
    ("ผู้โดยสาร", "ผู้เดินทาง"),
    ("Khách", "khách"),
];

pub(crate) const ENUMS: &[(&str, &[&str])] = &[
    (
        "Purpose",
        &["tourism", "business", "transit", "work", "study"],
    ),
    (
        "DocumentKind",
        &["passport", "identity_card", "travel_document"],
    ),
    ("Class", &["economy", "premium", "first"]),
    ("Status", &["active", "suspended", "revoked", "lapsed"]),
    ("Channel", &["air", "land", "sea"]),
    ("Lane", &["du_lịch", "công_tác", "ผ่าน"]),
];

pub(crate) const OUTCOME_SETS: &[&[&str]] = &[
    &["deny", "refer", "manual", "autogate"],
    &["block", "refer", "clear"],
    &["reject", "hold", "refer", "admit"],
    &["ปฏิเสธ", "refer", "ผ่าน"],
    &["deny", "refer", "admit"],
    &["refer", "clear"],
    &["escalate", "refer", "review", "pass"],
];

pub(crate) const SOURCES: &[&str] = &[
    "ASEAN Framework Agreement on Visa Exemption (2006), art. 2",
    "AMICF 2024 recommendations",
    "ICAO Doc 9303, part 3",
    "International Health Regulations (2005), art. 23",
    "Thai Immigration Bureau, re-entry bans (2016)",
    "Generated policy",
];

pub(crate) const DESCRIPTIONS: &[&str] = &[
    "Refer travellers whose record matches the screening pattern",
    "Deny entry when the document fails the check",
    "Flag bookings with unusual payment",
    "Watch arrivals from the listed origins",
    "Kiểm tra giấy tờ của khách",
    "ตรวจสอบเอกสารการเดินทาง",
    "Check the stay against the agreed days",
    "Screen \"high risk\" itineraries",
];

/// A document-number-like text: a letter and seven digits.
pub(crate) fn document_number(rng: &mut Rng) -> String {
    format!("{}{:07}", rng.letter(), rng.range(0, 9_999_999))
}

/// A booking-reference-like text.
pub(crate) fn reference(rng: &mut Rng) -> String {
    format!(
        "{}{}{}{}",
        rng.letter(),
        rng.letter(),
        rng.range(0, 9),
        rng.letter()
    )
}
