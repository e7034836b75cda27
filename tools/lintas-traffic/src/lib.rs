//! Deterministic checkpoint traffic: travellers and flight manifests with
//! configurable rates of each risk pattern. The same seed gives the same
//! records on every machine and every version of the dependencies, because
//! the random stream is our own (SplitMix64), not a library's.
//!
//! Records follow the reference schema (`rules/reference/schema.lintas`).
//! Later generators (PAXLST, MRZ) extend this one rather than duplicate it.
//! [`packages`] generates whole rule packages instead, random but valid,
//! with records and contexts to match, for differential tests of the
//! evaluation backends against the reference interpreter.

mod names;
pub mod packages;
pub mod paxlst;
mod rng;

pub use paxlst::{Flight, Separators, to_paxlst, to_paxlst_for};
pub use rng::Rng;
use serde::Serialize;

/// How often each risk pattern appears, as a probability per traveller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub expired_document: f64,
    pub near_expiry: f64,
    pub lost_stolen: f64,
    pub watchlist: f64,
    pub unaccompanied_minor: f64,
    pub missing_visa: f64,
    pub yellow_fever_exposure: f64,
    pub paid_cash: f64,
    pub one_way: f64,
    pub late_booking: f64,
    pub prior_overstay: f64,
    pub large_group: f64,
    pub mrz_invalid: f64,
    pub third_party_payer: f64,
    /// Share of travellers who are ASEAN nationals.
    pub asean_national: f64,
}

impl Default for Rates {
    fn default() -> Rates {
        Rates {
            expired_document: 0.01,
            near_expiry: 0.03,
            lost_stolen: 0.005,
            watchlist: 0.01,
            unaccompanied_minor: 0.01,
            missing_visa: 0.03,
            yellow_fever_exposure: 0.01,
            paid_cash: 0.06,
            one_way: 0.15,
            late_booking: 0.08,
            prior_overstay: 0.02,
            large_group: 0.08,
            mrz_invalid: 0.01,
            third_party_payer: 0.03,
            asean_national: 0.65,
        }
    }
}

/// What the generated travellers arrive into.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    pub rates: Rates,
    /// Arrival date, days since 1970-01-01.
    pub arrival: i64,
    /// Document numbers on the lost/stolen list, to draw hits from.
    pub lost_stolen: Vec<String>,
}

impl Config {
    pub fn new(seed: u64) -> Config {
        Config {
            seed,
            rates: Rates::default(),
            // 2026-03-01
            arrival: 20_513,
            lost_stolen: ["X1234567", "K0000001", "P9876543", "A5550123"]
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }
}

pub const ASEAN: &[&str] = &[
    "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS",
];
const OTHER_NATIONALITIES: &[&str] = &[
    "AUS", "CHN", "IND", "JPN", "KOR", "USA", "GBR", "DEU", "FRA", "NLD", "NZL", "BGD", "PAK",
    "LKA", "NPL",
];
const YELLOW_FEVER: &[&str] = &["BRA", "NGA", "KEN", "COL", "GHA", "UGA", "PER"];
const SAFE_VISITS: &[&str] = &["JPN", "KOR", "AUS", "ARE", "QAT", "HKG", "TWN", "CHN"];

#[derive(Debug, Clone, Serialize)]
pub struct Traveller {
    pub name: String,
    pub nationality: String,
    pub birth_date: String,
    pub arrival_date: String,
    pub purpose: &'static str,
    pub stay_days: i64,
    pub document: Document,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visa: Option<Visa>,
    pub accompanied: bool,
    pub watchlist_hit: bool,
    pub visited: Vec<Visit>,
    pub yellow_fever_vaccinated: bool,
    /// The vaccination date on the yellow-fever certificate, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yellow_fever_vaccinated_on: Option<String>,
    pub booking: Booking,
    pub prior_overstays: i64,
    /// Pre-registered for the automated gates of the member deciding.
    pub autogate_registered: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub number: String,
    pub kind: &'static str,
    pub issuer: String,
    pub expiry: String,
    pub electronic: bool,
    pub mrz_valid: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Visa {
    pub number: String,
    pub valid_until: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub country: String,
    pub departed: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Booking {
    pub reference: String,
    pub paid_cash: bool,
    pub third_party_payer: bool,
    pub one_way: bool,
    pub booked: String,
    pub group_size: i64,
    /// The telephone number given with the booking.
    pub contact: String,
}

/// A generator of travellers; call [`Generator::traveller`] repeatedly.
pub struct Generator {
    config: Config,
    rng: Rng,
    serial: u64,
}

impl Generator {
    pub fn new(config: Config) -> Generator {
        let rng = Rng::new(config.seed);
        Generator {
            config,
            rng,
            serial: 0,
        }
    }

    pub fn traveller(&mut self) -> Traveller {
        self.serial += 1;
        let rates = self.config.rates;
        let arrival = self.config.arrival;
        let r = &mut self.rng;
        let asean = r.chance(rates.asean_national);
        let nationality = if asean {
            r.pick(ASEAN)
        } else {
            r.pick(OTHER_NATIONALITIES)
        }
        .to_string();
        let minor = r.chance(rates.unaccompanied_minor);
        let age_years = if minor {
            r.range(8, 17)
        } else {
            r.range(18, 80)
        };
        let birth = arrival - age_years * 365 - r.range(0, 364);
        let expiry = if r.chance(rates.expired_document) {
            arrival - r.range(1, 400)
        } else if r.chance(rates.near_expiry) {
            arrival + r.range(0, 180)
        } else {
            arrival + r.range(200, 3600)
        };
        let purpose = *r.pick(&[
            "tourism", "tourism", "tourism", "business", "transit", "work", "study",
        ]);
        let stay_days = if purpose == "transit" {
            r.range(0, 2)
        } else {
            r.range(1, 45)
        };
        let document_number = if r.chance(rates.lost_stolen) && !self.config.lost_stolen.is_empty()
        {
            r.pick(&self.config.lost_stolen).clone()
        } else {
            format!("{}{:07}", r.letter(), r.range(0, 9_999_999))
        };
        let electronic = r.chance(0.85);
        let kind = if r.chance(0.95) {
            "passport"
        } else {
            "travel_document"
        };
        // Visas: most who need one have one; `missing_visa` leaves it out.
        let needs_visa = purpose != "transit"
            && !(asean && matches!(purpose, "tourism" | "business") && stay_days <= 30);
        let visa = (needs_visa && !r.chance(rates.missing_visa)).then(|| Visa {
            number: format!("V{:08}", r.range(0, 99_999_999)),
            valid_until: date(arrival + r.range(30, 365)),
        });
        let mut visited = Vec::new();
        if r.chance(rates.yellow_fever_exposure) {
            visited.push(Visit {
                country: r.pick(YELLOW_FEVER).to_string(),
                departed: date(arrival - r.range(0, 6)),
            });
        }
        for _ in 0..r.range(0, 2) {
            visited.push(Visit {
                country: r.pick(SAFE_VISITS).to_string(),
                departed: date(arrival - r.range(1, 60)),
            });
        }
        let group_size = if r.chance(rates.large_group) {
            r.range(5, 12)
        } else {
            r.range(1, 4)
        };
        let booked = if r.chance(rates.late_booking) {
            arrival - r.range(0, 2)
        } else {
            arrival - r.range(3, 120)
        };
        let name = names::full_name(r, &nationality);
        let mut traveller = Traveller {
            name,
            nationality: nationality.clone(),
            birth_date: date(birth),
            arrival_date: date(arrival),
            purpose,
            stay_days,
            document: Document {
                number: document_number,
                kind,
                issuer: nationality,
                expiry: date(expiry),
                electronic,
                mrz_valid: !r.chance(rates.mrz_invalid),
            },
            visa,
            accompanied: !minor,
            watchlist_hit: r.chance(rates.watchlist),
            visited,
            yellow_fever_vaccinated: r.chance(0.3),
            booking: Booking {
                reference: format!(
                    "{}{}{}{:03}",
                    r.letter(),
                    r.letter(),
                    r.letter(),
                    r.range(0, 999)
                ),
                paid_cash: r.chance(rates.paid_cash),
                third_party_payer: false,
                one_way: r.chance(rates.one_way),
                booked: date(booked),
                group_size,
                contact: String::new(),
            },
            prior_overstays: if r.chance(rates.prior_overstay) {
                r.range(1, 3)
            } else {
                0
            },
            yellow_fever_vaccinated_on: None,
            autogate_registered: false,
        };
        // Drawn after the fields above so that adding them kept those
        // fields' random streams in the same order.
        traveller.booking.third_party_payer = r.chance(rates.third_party_payer);
        traveller.booking.contact = format!(
            "+{} {:03} {:04} {:04}",
            r.range(60, 95),
            r.range(0, 999),
            r.range(0, 9999),
            r.range(0, 9999)
        );
        traveller.autogate_registered = r.chance(0.25);
        if traveller.yellow_fever_vaccinated {
            // Mostly long ago; sometimes within the 10 days before a
            // certificate becomes valid.
            let days_ago = if r.chance(0.1) {
                r.range(0, 12)
            } else {
                r.range(30, 7000)
            };
            traveller.yellow_fever_vaccinated_on = Some(date(arrival - days_ago));
        }
        traveller
    }

    /// A flight manifest of `size` travellers in which groups share a
    /// booking reference, as airlines send them.
    pub fn manifest(&mut self, size: usize) -> Vec<Traveller> {
        let mut out: Vec<Traveller> = Vec::with_capacity(size);
        while out.len() < size {
            let lead = self.traveller();
            let group = usize::try_from(lead.booking.group_size)
                .unwrap_or(1)
                .clamp(1, size - out.len());
            for i in 0..group {
                let mut member = if i == 0 {
                    lead.clone()
                } else {
                    self.traveller()
                };
                member.booking = lead.booking.clone();
                out.push(member);
            }
        }
        out
    }
}

/// `YYYY-MM-DD` of a day number.
pub fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_travellers() {
        let a: Vec<String> = (0..50)
            .scan(Generator::new(Config::new(7)), |g, _| {
                serde_json::to_string(&g.traveller()).ok()
            })
            .collect();
        let b: Vec<String> = (0..50)
            .scan(Generator::new(Config::new(7)), |g, _| {
                serde_json::to_string(&g.traveller()).ok()
            })
            .collect();
        let c: Vec<String> = (0..50)
            .scan(Generator::new(Config::new(8)), |g, _| {
                serde_json::to_string(&g.traveller()).ok()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(20_513), "2026-03-01");
        assert_eq!(date(-1), "1969-12-31");
    }

    #[test]
    fn manifests_keep_groups_on_one_booking() {
        let mut g = Generator::new(Config::new(3));
        let manifest = g.manifest(300);
        assert_eq!(manifest.len(), 300);
        let mut by_reference = std::collections::HashMap::new();
        for t in &manifest {
            *by_reference.entry(t.booking.reference.clone()).or_insert(0) += 1;
        }
        assert!(
            by_reference.values().any(|n| *n > 1),
            "no groups in a 300-traveller manifest"
        );
    }
}
