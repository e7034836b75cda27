//! Names by nationality, so that generated records look like real traffic
//! (including the non-ASCII names real manifests carry).

use crate::Rng;

const GIVEN: &[(&str, &[&str])] = &[
    ("IDN", &["Siti", "Budi", "Dewi", "Agus", "Putri", "Rizky"]),
    (
        "THA",
        &["Somchai", "Malee", "Nattapong", "Siriporn", "สมชาย", "มาลี"],
    ),
    (
        "VNM",
        &[
            "Nguyễn Thị Mai",
            "Trần Văn Nam",
            "Lê Thu Hà",
            "Phạm Minh Tuấn",
        ],
    ),
    ("PHL", &["Maria", "Jose", "Angelica", "Mark", "Kristine"]),
    ("MYS", &["Ahmad", "Nurul", "Wei Ling", "Arjun"]),
    ("SGP", &["Wei Jie", "Hui Min", "Aravind", "Nur Aisyah"]),
    ("KHM", &["Sokha", "Dara", "Chanthou"]),
    ("LAO", &["Souksavanh", "Khamla", "Vilay"]),
    ("MMR", &["Aung", "Thandar", "Kyaw"]),
    ("BRN", &["Hajah Nur", "Awang", "Dayang"]),
    ("TLS", &["Xanana", "Maria da Costa", "Joaquim"]),
];
const FAMILY: &[(&str, &[&str])] = &[
    ("IDN", &["Rahma", "Santoso", "Wijaya", "Hartono"]),
    ("THA", &["Srisuk", "Chaiyaporn", "ใจดี", "Wongsakul"]),
    ("VNM", &["", ""]),
    ("PHL", &["Santos", "Reyes", "Cruz", "Dela Cruz"]),
    ("MYS", &["bin Ismail", "Tan", "binti Hassan", "Raj"]),
    ("SGP", &["Lim", "Tan", "Pillai", "binte Salleh"]),
    ("KHM", &["Chan", "Sok", "Meas"]),
    ("LAO", &["Phommachanh", "Sisouk"]),
    ("MMR", &["Min", "Hlaing", "Oo"]),
    ("BRN", &["binti Haji Ali", "bin Haji Osman"]),
    ("TLS", &["Gusmão", "Soares", "Pereira"]),
];
const OTHER_GIVEN: &[&str] = &[
    "James", "Emma", "Liam", "Olivia", "Hiroshi", "Ji-woo", "Wei", "Priya", "Lukas", "Chloé",
];
const OTHER_FAMILY: &[&str] = &[
    "Smith", "Müller", "Sato", "Kim", "Wang", "Sharma", "Dubois", "Brown", "de Vries",
];

pub fn full_name(rng: &mut Rng, nationality: &str) -> String {
    let given = GIVEN
        .iter()
        .find(|(n, _)| *n == nationality)
        .map(|(_, g)| *g);
    let family = FAMILY
        .iter()
        .find(|(n, _)| *n == nationality)
        .map(|(_, f)| *f);
    match (given, family) {
        (Some(g), Some(f)) => {
            let first = rng.pick(g);
            let last = rng.pick(f);
            if last.is_empty() {
                (*first).to_string()
            } else {
                format!("{first} {last}")
            }
        }
        _ => format!("{} {}", rng.pick(OTHER_GIVEN), rng.pick(OTHER_FAMILY)),
    }
}
