//! Building, signing and opening bundles: everything but the engine.

use crate::archive::{self, Files, Limits, MANIFEST, SIGNATURE};
use crate::keys::{SecretKey, SignatureFile, TrustStore};
use crate::manifest::{CompilerMeta, FORMAT, FileMeta, Manifest};
use crate::{BundleError, Timestamp};
use lintas_check::hir::Program;
use std::collections::BTreeMap;

/// The checked program, serialised (the interpreter and explanations run
/// on it; the loader lowers it to IR again).
pub const PROGRAM: &str = "program.json";
/// The IR text form, as `lintas build --emit ir` prints it.
pub const IR_TEXT: &str = "ir.txt";
/// Reference data files, as read, under `data/PACKAGE/PATH`.
pub const DATA_DIR: &str = "data";

/// What a build needs beside the program. Nothing here comes from the
/// environment: the same inputs give the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    pub compiler_version: String,
    pub built: Timestamp,
    pub expires: Timestamp,
}

/// A reference data file of a package, as it was read for checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub package: String,
    /// Relative to the package root, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Builds an unsigned bundle.
pub fn build(
    program: &Program,
    data: &[DataFile],
    options: &BuildOptions,
) -> Result<Vec<u8>, BundleError> {
    let fail = |message: String| BundleError::Build { message };
    semver::Version::parse(&program.package.version).map_err(|e| {
        fail(format!(
            "package version `{}` is not a semantic version ({e})",
            program.package.version
        ))
    })?;
    semver::Version::parse(&options.compiler_version).map_err(|e| {
        fail(format!(
            "compiler version `{}` is not a semantic version ({e})",
            options.compiler_version
        ))
    })?;
    if options.expires <= options.built {
        return Err(fail(format!(
            "it would expire ({}) no later than it was built ({}); give a later `--expires`",
            options.expires, options.built
        )));
    }
    let module =
        lintas_ir::compile(program).map_err(|e| fail(format!("cannot compile to IR: {e}")))?;
    let mut files = Files::new();
    let program_json = serde_json::to_vec(program)
        .map_err(|e| fail(format!("cannot serialise the program: {e}")))?;
    files.insert(PROGRAM.into(), program_json);
    files.insert(
        IR_TEXT.into(),
        lintas_ir::text::module_text(&module).into_bytes(),
    );
    for file in data {
        let path = format!("{DATA_DIR}/{}/{}", file.package, file.path);
        if !archive::valid_path(&path) {
            return Err(fail(format!("`{path}` cannot be a path in a bundle")));
        }
        if files.insert(path.clone(), file.bytes.clone()).is_some() {
            return Err(fail(format!("`{path}` is given twice")));
        }
    }
    let manifest = Manifest::describe(
        program,
        &files,
        &options.compiler_version,
        options.built,
        options.expires,
    );
    files.insert(MANIFEST.into(), manifest.to_bytes());
    archive::write(&files)
}

/// A bundle read and checked as far as it can be without trusting anyone:
/// for `lintas inspect`, which shows what a bundle claims.
#[derive(Debug, Clone)]
pub struct Opened {
    pub files: Files,
    pub manifest: Manifest,
    pub signature: Option<SignatureFile>,
}

/// Reads a bundle and its manifest without checking the signature.
pub fn open_unverified(bytes: &[u8], bundle: &str, limits: &Limits) -> Result<Opened, BundleError> {
    let files = archive::read(bytes, bundle, limits)?;
    let manifest_bytes = files.get(MANIFEST).ok_or_else(|| BundleError::Corrupt {
        bundle: bundle.to_string(),
        message: format!("it has no `{MANIFEST}`"),
    })?;
    let manifest = parse_manifest(manifest_bytes, bundle)?;
    let signature = match files.get(SIGNATURE) {
        Some(bytes) => Some(parse_signature(bytes, bundle)?),
        None => None,
    };
    Ok(Opened {
        files,
        manifest,
        signature,
    })
}

/// A bundle whose signature, manifest and files were all checked.
#[derive(Debug, Clone)]
pub struct Verified {
    pub files: Files,
    pub manifest: Manifest,
    /// The id of the trusted key that signed it.
    pub signed_by: String,
}

/// Checks, in this order, that the archive is whole, that it is signed,
/// by a trusted key, that the signature covers the manifest, that this
/// runtime reads its format and compiler version, and that every file
/// matches the manifest. Expiry and rollback are the loader's (they need
/// the time and the running version).
pub fn verify(
    bytes: &[u8],
    bundle: &str,
    trust: &TrustStore,
    limits: &Limits,
    running_compiler: &semver::Version,
) -> Result<Verified, BundleError> {
    let files = archive::read(bytes, bundle, limits)?;
    let (manifest_bytes, signed_by) = check_signature(&files, bundle, trust)?;
    // Signed by a trusted key from here on: the manifest's claims hold.
    let manifest = parse_manifest(manifest_bytes, bundle)?;
    check_compatible(&manifest.compiler, bundle, running_compiler)?;
    check_files(&manifest, &files, bundle)?;
    Ok(Verified {
        files,
        manifest,
        signed_by,
    })
}

/// The manifest's bytes and the id of the trusted key whose signature
/// covers them: the first checks of every bundle, whatever its kind.
pub(crate) fn check_signature<'f>(
    files: &'f Files,
    bundle: &str,
    trust: &TrustStore,
) -> Result<(&'f [u8], String), BundleError> {
    let manifest_bytes = files.get(MANIFEST).ok_or_else(|| BundleError::Corrupt {
        bundle: bundle.to_string(),
        message: format!("it has no `{MANIFEST}`"),
    })?;
    let signature = files.get(SIGNATURE).ok_or_else(|| BundleError::Unsigned {
        bundle: bundle.to_string(),
    })?;
    let signature = parse_signature(signature, bundle)?;
    let Some(key) = trust.get(&signature.key_id) else {
        let trusted: Vec<&str> = trust.ids().collect();
        return Err(BundleError::UnknownKey {
            bundle: bundle.to_string(),
            key_id: signature.key_id,
            trust: trust.origin.clone(),
            trusted: if trusted.is_empty() {
                "no keys".into()
            } else {
                trusted.join(", ")
            },
        });
    };
    if !key.verifies(manifest_bytes, &signature.signature) {
        return Err(BundleError::BadSignature {
            bundle: bundle.to_string(),
            key_id: signature.key_id,
        });
    }
    Ok((manifest_bytes, signature.key_id))
}

/// Signs a bundle (replacing any earlier signature), after checking that
/// its files match its manifest: a signature vouches for the files.
pub fn sign(
    bytes: &[u8],
    bundle: &str,
    key: &SecretKey,
    limits: &Limits,
) -> Result<Vec<u8>, BundleError> {
    let mut files = archive::read(bytes, bundle, limits)?;
    let manifest_bytes = files.get(MANIFEST).ok_or_else(|| BundleError::Corrupt {
        bundle: bundle.to_string(),
        message: format!("it has no `{MANIFEST}`"),
    })?;
    // Rule and data bundles alike: what is signed is the manifest, and
    // what the manifest vouches for is its list of files.
    let listing: Listing = serde_json::from_value(manifest_value(manifest_bytes, bundle)?)
        .map_err(|e| BundleError::Malformed {
            bundle: bundle.to_string(),
            file: MANIFEST.into(),
            message: e.to_string(),
        })?;
    check_listed(&listing.files, &files, bundle)?;
    let signature = key.sign(manifest_bytes);
    let mut signature_bytes =
        serde_json::to_vec_pretty(&signature).map_err(|e| BundleError::Build {
            message: format!("cannot write the signature: {e}"),
        })?;
    signature_bytes.push(b'\n');
    files.insert(SIGNATURE.into(), signature_bytes);
    archive::write(&files)
}

/// Whether every file matches the manifest, and nothing is unlisted.
pub fn check_files(manifest: &Manifest, files: &Files, bundle: &str) -> Result<(), BundleError> {
    check_listed(&manifest.files, files, bundle)
}

/// The part of any manifest that signing needs: the files it vouches for.
#[derive(serde::Deserialize)]
struct Listing {
    files: BTreeMap<String, FileMeta>,
}

/// Whether every file matches its listed hash, and nothing is unlisted.
pub(crate) fn check_listed(
    listed: &BTreeMap<String, FileMeta>,
    files: &Files,
    bundle: &str,
) -> Result<(), BundleError> {
    for (path, expected) in listed {
        let Some(bytes) = files.get(path) else {
            return Err(BundleError::MissingFile {
                bundle: bundle.to_string(),
                file: path.clone(),
            });
        };
        let actual = FileMeta::of(bytes);
        if actual != *expected {
            return Err(BundleError::TamperedFile {
                bundle: bundle.to_string(),
                file: path.clone(),
                expected: expected.sha256.clone(),
                actual: actual.sha256,
            });
        }
    }
    if let Some(extra) = files
        .keys()
        .find(|p| *p != MANIFEST && *p != SIGNATURE && !listed.contains_key(*p))
    {
        return Err(BundleError::UnlistedFile {
            bundle: bundle.to_string(),
            file: extra.clone(),
        });
    }
    Ok(())
}

/// Whether a compiler of version `running` can load what `built_by`
/// compiled: the same major version, and before 1.0 the same minor (the
/// semantic-versioning rule for breaking changes).
pub fn compatible(built_by: &semver::Version, running: &semver::Version) -> bool {
    built_by.major == running.major && (running.major != 0 || built_by.minor == running.minor)
}

pub(crate) fn check_compatible(
    compiler: &CompilerMeta,
    bundle: &str,
    running: &semver::Version,
) -> Result<(), BundleError> {
    let incompatible = || BundleError::IncompatibleCompiler {
        bundle: bundle.to_string(),
        built_by: format!("{} {}", compiler.name, compiler.version),
        running: running.to_string(),
    };
    if compiler.name != "lintas" {
        return Err(incompatible());
    }
    let built_by = semver::Version::parse(&compiler.version).map_err(|_| incompatible())?;
    if compatible(&built_by, running) {
        Ok(())
    } else {
        Err(incompatible())
    }
}

/// What a bundle holds, as its manifest's `kind` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    /// A rule package (`lintas build`); its manifest has no `kind`, as the
    /// first bundles had none.
    Rules,
    /// Reference data for a rule package (`lintas build --emit data`).
    Data,
}

impl BundleKind {
    pub fn name(self) -> &'static str {
        match self {
            BundleKind::Rules => "rule",
            BundleKind::Data => "data",
        }
    }
}

/// The manifest as JSON, after checking its format version first: a later
/// format may change any other field, and must be refused as a format
/// mismatch, not misread.
pub(crate) fn manifest_value(bytes: &[u8], bundle: &str) -> Result<serde_json::Value, BundleError> {
    let malformed = |message: String| BundleError::Malformed {
        bundle: bundle.to_string(),
        file: MANIFEST.into(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("not JSON ({e})")))?;
    match value.get("format") {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(FORMAT)) => {}
        Some(other) => {
            return Err(BundleError::IncompatibleFormat {
                bundle: bundle.to_string(),
                found: other.to_string(),
                supported: FORMAT,
            });
        }
        None => return Err(malformed("it has no `format` field".into())),
    }
    Ok(value)
}

/// The kind a manifest (as JSON) declares.
pub(crate) fn kind_of(value: &serde_json::Value, bundle: &str) -> Result<BundleKind, BundleError> {
    match value.get("kind") {
        None => Ok(BundleKind::Rules),
        Some(serde_json::Value::String(k)) if k == crate::data::DATA_KIND => Ok(BundleKind::Data),
        Some(other) => Err(BundleError::Malformed {
            bundle: bundle.to_string(),
            file: MANIFEST.into(),
            message: format!("`kind` is {other}; this runtime knows rule and `data` bundles"),
        }),
    }
}

/// The kind of bundle `files` (as read from the archive) are, from the
/// manifest, without trusting it: for tools and watchers that route a
/// file before verifying it as that kind.
pub fn kind_of_files(files: &Files, bundle: &str) -> Result<BundleKind, BundleError> {
    let manifest_bytes = files.get(MANIFEST).ok_or_else(|| BundleError::Corrupt {
        bundle: bundle.to_string(),
        message: format!("it has no `{MANIFEST}`"),
    })?;
    kind_of(&manifest_value(manifest_bytes, bundle)?, bundle)
}

/// A rule bundle's manifest; a data bundle's is refused by kind.
fn parse_manifest(bytes: &[u8], bundle: &str) -> Result<Manifest, BundleError> {
    let value = manifest_value(bytes, bundle)?;
    let kind = kind_of(&value, bundle)?;
    if kind != BundleKind::Rules {
        return Err(BundleError::WrongKind {
            bundle: bundle.to_string(),
            expected: BundleKind::Rules.name().into(),
            found: kind.name().into(),
        });
    }
    serde_json::from_value(value).map_err(|e| BundleError::Malformed {
        bundle: bundle.to_string(),
        file: MANIFEST.into(),
        message: e.to_string(),
    })
}

pub(crate) fn parse_signature(bytes: &[u8], bundle: &str) -> Result<SignatureFile, BundleError> {
    let malformed = |message: String| BundleError::Malformed {
        bundle: bundle.to_string(),
        file: SIGNATURE.into(),
        message,
    };
    let signature: SignatureFile =
        serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    if signature.algorithm != crate::keys::ALGORITHM {
        return Err(malformed(format!(
            "algorithm `{}` is not supported (only `{}`)",
            signature.algorithm,
            crate::keys::ALGORITHM
        )));
    }
    Ok(signature)
}
