//! Feeding a [`Serving`] from a URL: fleet distribution on plain
//! infrastructure (any HTTP server, CDN or object store).
//!
//! A poll sends the last `ETag` in `If-None-Match`, so an unchanged bundle
//! costs a `304 Not Modified` and no load. A new one goes through exactly
//! the verification of a local file ([`Serving::install`]): the transport
//! is not trusted, the signature is. Failures (no connection, HTTP errors)
//! back off exponentially with jitter, so a fleet does not hammer a server
//! that is down, nor come back all at once.
//!
//! Plain HTTP is built in. HTTPS needs this crate's `tls` feature (ureq
//! with rustls and the Mozilla roots): `lintas-bundle = { features =
//! ["tls"] }`. Bundles are signed either way; TLS adds confidentiality of
//! the rules and protects against a stale mirror being substituted
//! (which rollback protection and expiry also bound).

use crate::BundleError;
use crate::serve::{Reload, Serving};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often to poll, and how to back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Between polls that succeed (give or take a tenth, at random, so a
    /// fleet started together spreads out).
    pub interval: Duration,
    /// The delay after the first failure; it doubles with each failure
    /// that follows, up to `backoff_max`, and the actual delay is drawn
    /// between half of that and all of it.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// The whole of one request, the body included.
    pub timeout: Duration,
}

impl Default for PollOptions {
    fn default() -> PollOptions {
        PollOptions {
            interval: Duration::from_secs(60),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What one poll did.
#[derive(Debug)]
pub enum PollOutcome {
    /// `304 Not Modified`: nothing fetched, nothing loaded.
    NotModified,
    /// The same bytes as last time (a server without ETags): not loaded
    /// again.
    Unchanged,
    /// Fetched and accepted (or already serving).
    Installed(Reload),
    /// Fetched and refused; the old bundle goes on serving. Its ETag is
    /// kept, so it is not fetched again until it changes.
    Refused(BundleError),
    /// Not fetched: the next poll backs off.
    Failed(BundleError),
}

/// Polls one URL for bundles (rules or data, by their manifest).
pub struct Poller {
    serving: Serving,
    url: String,
    agent: ureq::Agent,
    options: PollOptions,
    etag: Option<String>,
    last_sha256: Option<String>,
    failures: u32,
    random: u64,
}

impl std::fmt::Debug for Poller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("url", &self.url)
            .field("etag", &self.etag)
            .field("failures", &self.failures)
            .finish()
    }
}

impl Poller {
    /// A poller of `url` for `serving`; nothing is fetched until
    /// [`Poller::poll_once`] or [`Poller::spawn`].
    pub fn new(serving: &Serving, url: &str, options: PollOptions) -> Result<Poller, BundleError> {
        let scheme = url.split("://").next().unwrap_or_default();
        match scheme {
            "http" => {}
            "https" if cfg!(feature = "tls") => {}
            "https" => {
                return Err(BundleError::Fetch {
                    url: url.to_string(),
                    message: "HTTPS needs lintas-bundle's `tls` feature (rustls); build with it, or poll over plain HTTP (bundles are signed, so the transport need not be trusted)".into(),
                });
            }
            _ => {
                return Err(BundleError::Fetch {
                    url: url.to_string(),
                    message:
                        "only `http://` (and `https://` with the `tls` feature) URLs can be polled"
                            .into(),
                });
            }
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            // Statuses are answers here (304 above all), not errors.
            .http_status_as_error(false)
            .build()
            .into();
        let mut seed = [0u8; 8];
        // Jitter only spreads a fleet out; without OS randomness the time
        // of day still differs between checkpoints.
        if getrandom::fill(&mut seed).is_err() {
            seed = crate::Timestamp::now().unix.to_le_bytes();
        }
        Ok(Poller {
            serving: serving.clone(),
            url: url.to_string(),
            agent,
            options,
            etag: None,
            last_sha256: None,
            failures: 0,
            random: u64::from_le_bytes(seed),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Failed polls since the last one that got an answer.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Forgets the ETag and the last bundle, so the next poll fetches and
    /// verifies again: after the trust directory gained a key, say.
    pub fn reset(&mut self) {
        self.etag = None;
        self.last_sha256 = None;
    }

    /// Fetches the URL once (conditionally) and offers a new bundle.
    pub fn poll_once(&mut self) -> PollOutcome {
        let mut request = self.agent.get(&self.url);
        if let Some(etag) = &self.etag {
            request = request.header("If-None-Match", etag);
        }
        let mut response = match request.call() {
            Ok(response) => response,
            Err(e) => return self.failed(e.to_string()),
        };
        match response.status().as_u16() {
            304 => {
                self.failures = 0;
                PollOutcome::NotModified
            }
            200 => {
                let etag = response
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let limit = self.serving.limits().max_compressed;
                let body = match response.body_mut().with_config().limit(limit).read_to_vec() {
                    Ok(body) => body,
                    Err(e) => return self.failed(format!("reading the body: {e}")),
                };
                self.failures = 0;
                self.etag = etag;
                let sha256 = crate::manifest::sha256(&body);
                if self.last_sha256.as_deref() == Some(sha256.as_str()) {
                    return PollOutcome::Unchanged;
                }
                self.last_sha256 = Some(sha256);
                match self.serving.install(&body, &self.url) {
                    Ok(reload) => PollOutcome::Installed(reload),
                    Err(e) => PollOutcome::Refused(e),
                }
            }
            status => self.failed(format!("the server answered HTTP {status}")),
        }
    }

    /// How long to wait before the next poll: the interval with a little
    /// jitter after a success, exponential backoff with jitter after
    /// failures.
    pub fn next_delay(&mut self) -> Duration {
        let unit = self.next_unit();
        if self.failures == 0 {
            return self.options.interval.mul_f64(0.9 + 0.2 * unit);
        }
        let doublings = self.failures.saturating_sub(1).min(30);
        let ceiling = self
            .options
            .backoff_initial
            .saturating_mul(1 << doublings)
            .min(self.options.backoff_max);
        // "Equal jitter": never less than half the ceiling, so backing off
        // always slows down, and spread over the other half.
        ceiling.mul_f64(0.5 + 0.5 * unit)
    }

    /// Polls on a thread of its own until the handle is dropped.
    pub fn spawn(mut self) -> Result<PollHandle, BundleError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let url = self.url.clone();
        let thread = std::thread::Builder::new()
            .name("lintas-poll".into())
            .spawn(move || {
                loop {
                    self.poll_once();
                    let delay = self.next_delay();
                    match stopped.recv_timeout(delay) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .map_err(|e| BundleError::Fetch {
                url,
                message: format!("cannot start a thread: {e}"),
            })?;
        Ok(PollHandle {
            stop,
            thread: Some(thread),
        })
    }

    fn failed(&mut self, message: String) -> PollOutcome {
        self.failures = self.failures.saturating_add(1);
        let e = BundleError::Fetch {
            url: self.url.clone(),
            message,
        };
        self.serving.record_error(&self.url, &e);
        PollOutcome::Failed(e)
    }

    /// A number in [0, 1) from SplitMix64: jitter needs spread, not
    /// secrecy.
    fn next_unit(&mut self) -> f64 {
        self.random = self.random.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The top 53 bits, exactly representable.
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A poller running on its own thread; dropping it stops it (after the
/// request in flight, if any).
pub struct PollHandle {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PollHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollHandle").finish()
    }
}

impl Drop for PollHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
