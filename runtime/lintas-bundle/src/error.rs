//! Every reason a bundle is refused, each its own variant: a checkpoint's
//! status page and its operator must tell "unsigned" from "tampered" from
//! "expired" without reading prose, and each message names the file or key
//! at fault and says what fixes it.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum BundleError {
    #[error("cannot read bundle `{bundle}`: {message}")]
    #[diagnostic(
        code(lintas::bundle::io),
        help("check the path and the file's permissions")
    )]
    Io { bundle: String, message: String },

    #[error("bundle `{bundle}` is truncated: {message}")]
    #[diagnostic(
        code(lintas::bundle::truncated),
        help(
            "the file was cut short (an interrupted copy or download); fetch it again and compare its size and sha256 with the original"
        )
    )]
    Truncated { bundle: String, message: String },

    #[error("bundle `{bundle}` is corrupt: {message}")]
    #[diagnostic(
        code(lintas::bundle::corrupt),
        help(
            "a bundle is the tar.gz that `lintas build` writes; fetch it again, or rebuild and re-sign it"
        )
    )]
    Corrupt { bundle: String, message: String },

    #[error("bundle `{bundle}` is too large: {message}")]
    #[diagnostic(
        code(lintas::bundle::too_large),
        help(
            "bundles are refused past the loader's limits so that a hostile file cannot exhaust memory; raise the limit only for a bundle you expect to be this large"
        )
    )]
    TooLarge { bundle: String, message: String },

    #[error("bundle `{bundle}` is not signed: it has no `manifest.sig`")]
    #[diagnostic(
        code(lintas::bundle::unsigned),
        help(
            "sign it with `lintas sign {bundle} --key KEYID.key`, using a key whose `KEYID.pub` the checkpoint trusts"
        )
    )]
    Unsigned { bundle: String },

    #[error(
        "bundle `{bundle}` is signed with key `{key_id}`, which the trust directory `{trust}` does not hold (it trusts: {trusted})"
    )]
    #[diagnostic(
        code(lintas::bundle::unknown_key),
        help(
            "if `{key_id}` is a legitimate signing key, add `{key_id}.pub` to `{trust}`; otherwise re-sign the bundle with a trusted key"
        )
    )]
    UnknownKey {
        bundle: String,
        key_id: String,
        trust: String,
        /// The trusted key ids, comma-separated, or `no keys`.
        trusted: String,
    },

    #[error(
        "bundle `{bundle}`: the signature by key `{key_id}` does not match `manifest.json`: the manifest was changed after signing, or signed by another key"
    )]
    #[diagnostic(
        code(lintas::bundle::bad_signature),
        help(
            "do not load it; rebuild the bundle from reviewed sources and sign it again with `lintas sign`"
        )
    )]
    BadSignature { bundle: String, key_id: String },

    #[error(
        "bundle `{bundle}`: `{file}` does not match its hash in the signed manifest (manifest sha256 {expected}, file sha256 {actual})"
    )]
    #[diagnostic(
        code(lintas::bundle::tampered_file),
        help(
            "`{file}` was changed after the bundle was built; do not load it, rebuild the bundle from reviewed sources and sign it again"
        )
    )]
    TamperedFile {
        bundle: String,
        file: String,
        expected: String,
        actual: String,
    },

    #[error(
        "bundle `{bundle}`: `{file}` is listed in the signed manifest but missing from the archive"
    )]
    #[diagnostic(
        code(lintas::bundle::missing_file),
        help("the archive was repacked without it; fetch the bundle again or rebuild it")
    )]
    MissingFile { bundle: String, file: String },

    #[error("bundle `{bundle}`: `{file}` is in the archive but not in the signed manifest")]
    #[diagnostic(
        code(lintas::bundle::unlisted_file),
        help(
            "a file was added after the bundle was built; do not load it, rebuild it from reviewed sources"
        )
    )]
    UnlistedFile { bundle: String, file: String },

    #[error("bundle `{bundle}` ({package} {version}) expired at {expires}; it is now {now}")]
    #[diagnostic(
        code(lintas::bundle::expired),
        help(
            "build and sign a new bundle with a later `--expires`; the checkpoint keeps serving the bundle it has"
        )
    )]
    Expired {
        bundle: String,
        package: String,
        version: String,
        expires: String,
        now: String,
    },

    #[error(
        "bundle `{bundle}` holds `{package}` {version}, older than the running {running}: refused as a rollback"
    )]
    #[diagnostic(
        code(lintas::bundle::rollback),
        help(
            "to go back on purpose, allow a downgrade (`--allow-downgrade`, or `Loader::allow_downgrade(true)`); otherwise publish a newer version"
        )
    )]
    Rollback {
        bundle: String,
        package: String,
        version: String,
        running: String,
    },

    #[error("bundle `{bundle}` is bundle format {found}; this runtime reads format {supported}")]
    #[diagnostic(
        code(lintas::bundle::incompatible_format),
        help("rebuild the bundle with the `lintas` release that matches this runtime")
    )]
    IncompatibleFormat {
        bundle: String,
        found: String,
        supported: u32,
    },

    #[error(
        "bundle `{bundle}` was built by lintas {built_by}, which this runtime (lintas {running}) cannot load"
    )]
    #[diagnostic(
        code(lintas::bundle::incompatible_compiler),
        help(
            "rebuild the bundle with lintas {running} (a compatible version: same major, and same minor before 1.0), or run a matching runtime"
        )
    )]
    IncompatibleCompiler {
        bundle: String,
        built_by: String,
        running: String,
    },

    #[error("bundle `{bundle}`: `{file}` cannot be read: {message}")]
    #[diagnostic(
        code(lintas::bundle::malformed),
        help(
            "the file is signed but not what this runtime expects; rebuild the bundle with a matching `lintas`"
        )
    )]
    Malformed {
        bundle: String,
        file: String,
        message: String,
    },

    #[error("bundle `{bundle}` ({package} {version}) cannot be compiled: {message}")]
    #[diagnostic(
        code(lintas::bundle::compile),
        help("this is a bug in lintas: report it with the bundle attached")
    )]
    Compile {
        bundle: String,
        package: String,
        version: String,
        message: String,
    },

    #[error("the {engine} engine is not available yet: the WASM backend is tracked in issue 5")]
    #[diagnostic(
        code(lintas::bundle::engine_unavailable),
        help("use the native engine (the default) or the interpreter")
    )]
    EngineUnavailable { engine: String },

    #[error("trust directory `{path}`: {message}")]
    #[diagnostic(
        code(lintas::bundle::trust),
        help(
            "the trust directory holds one `KEYID.pub` per trusted key, as written by `lintas keygen`"
        )
    )]
    Trust { path: String, message: String },

    #[error("key `{path}`: {message}")]
    #[diagnostic(
        code(lintas::bundle::key),
        help("a signing key is the `KEYID.key` file written by `lintas keygen`")
    )]
    Key { path: String, message: String },

    #[error("cannot build the bundle: {message}")]
    #[diagnostic(code(lintas::bundle::build))]
    Build { message: String },

    #[error("`{bundle}` is a {found} bundle, not a {expected} bundle")]
    #[diagnostic(
        code(lintas::bundle::wrong_kind),
        help(
            "rule bundles come from `lintas build`, data bundles from `lintas build --emit data`; give each to what loads it"
        )
    )]
    WrongKind {
        bundle: String,
        expected: String,
        found: String,
    },

    #[error(
        "data bundle `{bundle}` is for `{package}` {versions}; the running rules are `{running}`"
    )]
    #[diagnostic(
        code(lintas::bundle::data_not_applicable),
        help(
            "build the data bundle against the package and version the checkpoint runs (`lintas build PKG --emit data`), or widen its `--versions`"
        )
    )]
    DataNotApplicable {
        bundle: String,
        package: String,
        versions: String,
        /// `PACKAGE VERSION`, or `nothing` when no rules are loaded.
        running: String,
    },

    #[error("data bundle `{bundle}` replaces {kind} `{name}`, which {package} does not have")]
    #[diagnostic(
        code(lintas::bundle::unknown_table),
        help(
            "a data bundle can only replace sets and tables the rules declare, with the same kind; check the name against `lintas inspect` of the rule bundle"
        )
    )]
    UnknownTable {
        bundle: String,
        kind: String,
        name: String,
        package: String,
    },

    #[error("data bundle `{bundle}`: `{table}` from `{file}` cannot be read: {message}")]
    #[diagnostic(
        code(lintas::bundle::bad_data),
        help(
            "the rows must have the columns and types the rules declare for `{table}`; fix the file, rebuild the data bundle and sign it again"
        )
    )]
    BadData {
        bundle: String,
        table: String,
        file: String,
        message: String,
    },

    #[error("data bundle `{bundle}`: `{table}` is too large: {message}")]
    #[diagnostic(
        code(lintas::bundle::table_too_large),
        help(
            "every table is limited so that a bad or hostile update cannot exhaust a checkpoint's memory; raise the limit for this table (`DataLimits`) only if it is expected to be this large"
        )
    )]
    TableTooLarge {
        bundle: String,
        table: String,
        message: String,
    },

    #[error("data bundle `{bundle}` ({name}) was valid until {valid_until}; it is now {now}")]
    #[diagnostic(
        code(lintas::bundle::data_expired),
        help(
            "publish fresh data: build a new data bundle with a later `--valid-until` and sign it; the checkpoint keeps the data it has"
        )
    )]
    DataExpired {
        bundle: String,
        name: String,
        valid_until: String,
        now: String,
    },

    #[error(
        "data bundle `{bundle}` was issued at {issued}, before the data in use for `{table}` (issued at {running}): refused as a rollback"
    )]
    #[diagnostic(
        code(lintas::bundle::data_rollback),
        help(
            "an older list may lack entries added since; publish a newer data bundle, or allow a downgrade on purpose"
        )
    )]
    DataRollback {
        bundle: String,
        table: String,
        issued: String,
        running: String,
    },

    #[error("data bundle `{bundle}` cannot be applied: no rule bundle is serving yet")]
    #[diagnostic(
        code(lintas::bundle::no_rules),
        help("load a rule bundle first; data bundles replace tables of the running rules")
    )]
    NoRules { bundle: String },

    #[error("cannot fetch `{url}`: {message}")]
    #[diagnostic(
        code(lintas::bundle::fetch),
        help(
            "the checkpoint keeps serving what it has and tries again with backoff; check the URL and the server"
        )
    )]
    Fetch { url: String, message: String },

    #[error("cannot watch `{dir}`: {message}")]
    #[diagnostic(
        code(lintas::bundle::watch),
        help("check that the directory exists and is readable by the service")
    )]
    Watch { dir: String, message: String },
}

impl BundleError {
    /// A short, stable name for the kind of refusal: for status pages,
    /// metrics and tests, which must not depend on the wording.
    pub fn kind(&self) -> &'static str {
        match self {
            BundleError::Io { .. } => "io",
            BundleError::Truncated { .. } => "truncated",
            BundleError::Corrupt { .. } => "corrupt",
            BundleError::TooLarge { .. } => "too_large",
            BundleError::Unsigned { .. } => "unsigned",
            BundleError::UnknownKey { .. } => "unknown_key",
            BundleError::BadSignature { .. } => "bad_signature",
            BundleError::TamperedFile { .. } => "tampered_file",
            BundleError::MissingFile { .. } => "missing_file",
            BundleError::UnlistedFile { .. } => "unlisted_file",
            BundleError::Expired { .. } => "expired",
            BundleError::Rollback { .. } => "rollback",
            BundleError::IncompatibleFormat { .. } => "incompatible_format",
            BundleError::IncompatibleCompiler { .. } => "incompatible_compiler",
            BundleError::Malformed { .. } => "malformed",
            BundleError::Compile { .. } => "compile",
            BundleError::EngineUnavailable { .. } => "engine_unavailable",
            BundleError::Trust { .. } => "trust",
            BundleError::Key { .. } => "key",
            BundleError::Build { .. } => "build",
            BundleError::WrongKind { .. } => "wrong_kind",
            BundleError::DataNotApplicable { .. } => "data_not_applicable",
            BundleError::UnknownTable { .. } => "unknown_table",
            BundleError::BadData { .. } => "bad_data",
            BundleError::TableTooLarge { .. } => "table_too_large",
            BundleError::DataExpired { .. } => "data_expired",
            BundleError::DataRollback { .. } => "data_rollback",
            BundleError::NoRules { .. } => "no_rules",
            BundleError::Fetch { .. } => "fetch",
            BundleError::Watch { .. } => "watch",
        }
    }
}
