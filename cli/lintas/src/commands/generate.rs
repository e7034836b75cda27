//! `lintas generate`: deterministic traffic for samples, tests and benchmarks.

use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_traffic::{Config, Generator, Rates, Separators};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// JSON lines: one traveller (or one manifest array) per line.
    Jsonl,
    /// One UN/EDIFACT PAXLST passenger list of all `--count` travellers,
    /// groups sharing a booking, as an airline sends it before arrival.
    Paxlst,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The seed: the same seed gives the same records.
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// How many travellers.
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    /// Write manifests of this many travellers (one JSON array per line)
    /// instead of single travellers.
    #[arg(long)]
    pub manifest_size: Option<usize>,
    /// The arrival date of every traveller.
    #[arg(long, default_value = "2026-03-01")]
    pub arrival: String,
    /// Override a risk rate, e.g. `--rate paid_cash=0.2` (repeatable).
    #[arg(long = "rate", value_name = "NAME=P")]
    pub rates: Vec<String>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = GenerateFormat::Jsonl)]
    pub format: GenerateFormat,
    /// PAXLST service characters, as in the `UNA` segment: component,
    /// element, decimal mark, release, repetition (a space for none) and
    /// segment terminator, e.g. `|^,! #`.
    #[arg(
        long,
        default_value = ":+.? '",
        value_name = "CHARS",
        allow_hyphen_values = true
    )]
    pub separators: String,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let Some(arrival) = lintas_check::calendar::parse_date(&args.arrival) else {
        return crate::io_error(
            io,
            &format!("`{}` is not a date (YYYY-MM-DD)", args.arrival),
        );
    };
    let mut config = Config::new(args.seed);
    config.arrival = arrival;
    for rate in &args.rates {
        if let Err(message) = set_rate(&mut config.rates, rate) {
            return crate::io_error(io, &message);
        }
    }
    let mut generator = Generator::new(config);
    if args.format == GenerateFormat::Paxlst {
        if args.manifest_size.is_some() {
            return crate::io_error(
                io,
                "`--manifest-size` is for JSON lines: a PAXLST message is one manifest of `--count` travellers",
            );
        }
        let separators = match separators(&args.separators) {
            Ok(s) => s,
            Err(message) => return crate::io_error(io, &message),
        };
        let manifest = generator.manifest(args.count);
        let text = lintas_traffic::to_paxlst(&manifest, &separators);
        return write(io, args.output.as_ref(), &text);
    }
    let mut text = String::new();
    let mut push = |value: Result<String, serde_json::Error>| match value {
        Ok(line) => {
            text.push_str(&line);
            text.push('\n');
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    };
    let result = match args.manifest_size {
        Some(size) if size > 0 => {
            let mut written = 0;
            let mut outcome = Ok(());
            while written < args.count && outcome.is_ok() {
                let manifest = generator.manifest(size.min(args.count - written));
                written += manifest.len();
                outcome = push(serde_json::to_string(&manifest));
            }
            outcome
        }
        _ => (0..args.count).try_for_each(|_| push(serde_json::to_string(&generator.traveller()))),
    };
    if let Err(e) = result {
        return crate::io_error(io, &format!("cannot write JSON: {e}"));
    }
    write(io, args.output.as_ref(), &text)
}

fn write(io: &mut Io<'_>, output: Option<&PathBuf>, text: &str) -> ExitCode {
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return crate::io_error(io, &format!("{}: cannot write: {e}", path.display()));
            }
        }
        None => {
            let _ = io.out.write_all(text.as_bytes());
        }
    }
    ExitCode::Success
}

/// The six `UNA` service characters. The separators and the release
/// character must differ from each other and must not be letters, digits or
/// spaces, which occur in the data; a space as repetition separator means
/// none (syntax version 3).
fn separators(spec: &str) -> Result<Separators, String> {
    let usage = || {
        format!(
            "`{spec}`: give the six UNA service characters (component, element, decimal mark, release, repetition or a space, terminator), e.g. `:+.? '`"
        )
    };
    let chars: Vec<char> = spec.chars().collect();
    let [component, element, decimal, release, repetition, segment] = chars[..] else {
        return Err(usage());
    };
    let repetition = (repetition != ' ').then_some(repetition);
    let mut services = vec![component, element, release, segment];
    services.extend(repetition);
    let usable = |c: &char| c.is_ascii_punctuation();
    let distinct = services
        .iter()
        .enumerate()
        .all(|(i, c)| !services.iter().skip(i + 1).any(|d| d == c));
    if !distinct || !services.iter().all(usable) {
        return Err(usage());
    }
    Ok(Separators {
        component,
        element,
        decimal,
        release,
        repetition,
        segment,
    })
}

fn set_rate(rates: &mut Rates, spec: &str) -> Result<(), String> {
    let (name, value) = spec
        .split_once('=')
        .ok_or_else(|| format!("`{spec}`: write a rate as NAME=PROBABILITY, e.g. paid_cash=0.2"))?;
    let p: f64 = value
        .parse()
        .ok()
        .filter(|p: &f64| (0.0..=1.0).contains(p))
        .ok_or_else(|| format!("`{value}` is not a probability between 0 and 1"))?;
    let slot = match name {
        "expired_document" => &mut rates.expired_document,
        "near_expiry" => &mut rates.near_expiry,
        "lost_stolen" => &mut rates.lost_stolen,
        "watchlist" => &mut rates.watchlist,
        "unaccompanied_minor" => &mut rates.unaccompanied_minor,
        "missing_visa" => &mut rates.missing_visa,
        "yellow_fever_exposure" => &mut rates.yellow_fever_exposure,
        "paid_cash" => &mut rates.paid_cash,
        "one_way" => &mut rates.one_way,
        "late_booking" => &mut rates.late_booking,
        "prior_overstay" => &mut rates.prior_overstay,
        "large_group" => &mut rates.large_group,
        "mrz_invalid" => &mut rates.mrz_invalid,
        "third_party_payer" => &mut rates.third_party_payer,
        "asean_national" => &mut rates.asean_national,
        other => {
            return Err(format!(
                "unknown rate `{other}`; rates are expired_document, near_expiry, lost_stolen, watchlist, unaccompanied_minor, missing_visa, yellow_fever_exposure, paid_cash, one_way, late_booking, prior_overstay, large_group, mrz_invalid, third_party_payer, asean_national"
            ));
        }
    };
    *slot = p;
    Ok(())
}
