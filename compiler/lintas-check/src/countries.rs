//! Country codes a `Country` value may hold: ISO 3166-1 alpha-3, plus the
//! codes ICAO Doc 9303 adds for travel documents. Membership of any group
//! (ASEAN, visa-exempt lists) is reference data, never this table.

/// ISO 3166-1 alpha-3, sorted.
pub const ISO_ALPHA3: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// ICAO 9303 codes that are not ISO 3166-1 alpha-3, sorted.
/// `D` is Germany as written in machine-readable zones; it is read as `DEU`.
pub const ICAO_SPECIAL: &[&str] = &[
    "D", "EUE", "GBD", "GBN", "GBO", "GBP", "GBS", "RKS", "UNA", "UNK", "UNO", "UTO", "XKX", "XPO",
    "XXA", "XXB", "XXC", "XXX",
];

/// The canonical form of a country code, or `None` if it is not one.
pub fn canonical(code: &str) -> Option<&'static str> {
    if code == "D" {
        return Some("DEU");
    }
    ISO_ALPHA3
        .binary_search(&code)
        .ok()
        .and_then(|i| ISO_ALPHA3.get(i))
        .or_else(|| {
            ICAO_SPECIAL
                .binary_search(&code)
                .ok()
                .and_then(|i| ICAO_SPECIAL.get(i))
        })
        .copied()
}

/// Every accepted code, for suggestions.
pub fn all() -> impl Iterator<Item = &'static str> {
    ISO_ALPHA3.iter().chain(ICAO_SPECIAL.iter()).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        assert!(ISO_ALPHA3.windows(2).all(|w| w[0] < w[1]));
        assert!(ICAO_SPECIAL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn icao_germany_is_read_as_iso() {
        assert_eq!(canonical("D"), Some("DEU"));
        assert_eq!(canonical("TLS"), Some("TLS"));
        assert_eq!(canonical("XXA"), Some("XXA"));
        assert_eq!(canonical("ZZZ"), None);
    }
}
