//! The container: a gzip-compressed tar that `tar -tzf` lists, written so
//! that the same files always give the same bytes, and read defensively
//! (size limits, only plain files with plain relative paths, nothing after
//! the end), because the bytes may come from anywhere.

use crate::BundleError;
use flate2::{Compression, GzBuilder};
use std::collections::BTreeMap;
use std::io::{Read, Write};

/// The manifest: every other file's hash, and what the bundle holds.
pub const MANIFEST: &str = "manifest.json";
/// The signature over the exact bytes of [`MANIFEST`].
pub const SIGNATURE: &str = "manifest.sig";

/// A bundle's files by their path in the archive.
pub type Files = BTreeMap<String, Vec<u8>>;

/// How much a loader reads before refusing a bundle as too large: a
/// hostile file must not exhaust a checkpoint's memory (a small gzip can
/// inflate enormously).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The archive as stored.
    pub max_compressed: u64,
    /// The tar stream once inflated: every file plus headers.
    pub max_uncompressed: u64,
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_compressed: 256 << 20,
            max_uncompressed: 1 << 30,
            max_files: 10_000,
        }
    }
}

/// Whether `path` may name a file in a bundle: relative, `/`-separated,
/// no `.`, `..` or empty parts, no control characters or backslashes, so
/// extracting a bundle with standard tools never writes outside the
/// directory it is extracted into.
pub fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 1024
        && !path.chars().any(|c| c.is_control() || c == '\\')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The archive's order: the manifest and its signature first, so that a
/// reader (or `tar -xzOf bundle manifest.json`) meets them first; then the
/// rest by path. Fixed, so the bytes do not depend on how the map was built.
fn order(files: &Files) -> Vec<(&String, &Vec<u8>)> {
    let rank = |path: &str| match path {
        MANIFEST => 0,
        SIGNATURE => 1,
        _ => 2,
    };
    let mut entries: Vec<_> = files.iter().collect();
    entries.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    entries
}

/// Writes the files as a reproducible tar.gz: every header has mtime 0,
/// uid and gid 0, no user or group names and mode 0644 whatever the files
/// on disk were; the gzip header has mtime 0, no file name and "unknown"
/// as its operating system.
pub fn write(files: &Files) -> Result<Vec<u8>, BundleError> {
    let failed = |e: std::io::Error| BundleError::Build {
        message: format!("cannot write the archive: {e}"),
    };
    let mut tar = tar::Builder::new(Vec::new());
    for (path, bytes) in order(files) {
        if !valid_path(path) {
            return Err(BundleError::Build {
                message: format!("`{path}` cannot be a path in a bundle"),
            });
        }
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        tar.append_data(&mut header, path, bytes.as_slice())
            .map_err(failed)?;
    }
    let tar = tar.into_inner().map_err(failed)?;
    let mut gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::best());
    gz.write_all(&tar).map_err(failed)?;
    gz.finish().map_err(failed)
}

/// Reads a bundle's files, refusing anything [`write`] would not have
/// produced: a truncated or corrupt stream, data after its end, entries
/// that are not plain files, unsafe or repeated paths, too much data.
pub fn read(bytes: &[u8], bundle: &str, limits: &Limits) -> Result<Files, BundleError> {
    let truncated = |message: String| BundleError::Truncated {
        bundle: bundle.to_string(),
        message,
    };
    let corrupt = |message: String| BundleError::Corrupt {
        bundle: bundle.to_string(),
        message,
    };
    let too_large = |message: String| BundleError::TooLarge {
        bundle: bundle.to_string(),
        message,
    };
    if bytes.len() as u64 > limits.max_compressed {
        return Err(too_large(format!(
            "{} bytes, over the limit of {}",
            bytes.len(),
            limits.max_compressed
        )));
    }
    match bytes {
        [] => return Err(truncated("the file is empty".into())),
        [0x1f] => return Err(truncated("the file ends inside the gzip header".into())),
        [0x1f, 0x8b, ..] => {}
        _ => return Err(corrupt("not a gzip file (a bundle is a .tar.gz)".into())),
    }
    let mut decoder = flate2::bufread::GzDecoder::new(bytes);
    let mut tar_bytes = Vec::new();
    let read = (&mut decoder)
        .take(limits.max_uncompressed.saturating_add(1))
        .read_to_end(&mut tar_bytes);
    match read {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(truncated(format!("the gzip stream ends early ({e})")));
        }
        Err(e) => return Err(corrupt(format!("the gzip stream is damaged ({e})"))),
    }
    if tar_bytes.len() as u64 > limits.max_uncompressed {
        return Err(too_large(format!(
            "it inflates to more than {} bytes",
            limits.max_uncompressed
        )));
    }
    // A gzip reader stops at the end of the first member; anything after
    // it would be ignored by one tool and read by another, so refuse it.
    if !decoder.into_inner().is_empty() {
        return Err(corrupt(
            "there is data after the end of the gzip stream".into(),
        ));
    }
    // Whole tar blocks, as every tar writer produces: a stream cut inside
    // the compressed data was caught above; this catches a tar cut short
    // before it was compressed.
    if tar_bytes.len() % 512 != 0 {
        return Err(truncated(format!(
            "the tar stream is {} bytes, not a whole number of 512-byte blocks",
            tar_bytes.len()
        )));
    }
    let mut files = Files::new();
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    let entries = archive
        .entries()
        .map_err(|e| corrupt(format!("cannot read the tar stream ({e})")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| tar_error(bundle, &e))?;
        let path = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| corrupt("a file name is not UTF-8".into()))?;
        let kind = entry.header().entry_type();
        // Directories carry nothing, and `tar -czf` adds them: a bundle
        // unpacked and packed again with standard tools still reads.
        if kind == tar::EntryType::Directory {
            if !valid_path(path.trim_end_matches('/')) {
                return Err(corrupt(format!("`{path}` is not a safe relative path")));
            }
            continue;
        }
        if kind != tar::EntryType::Regular {
            return Err(corrupt(format!(
                "`{path}` is not a plain file (links and devices are never part of a bundle)"
            )));
        }
        if !valid_path(&path) {
            return Err(corrupt(format!("`{path}` is not a safe relative path")));
        }
        if files.len() >= limits.max_files {
            return Err(too_large(format!("more than {} files", limits.max_files)));
        }
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .map_err(|e| tar_error(bundle, &e))?;
        if files.insert(path.clone(), content).is_some() {
            return Err(corrupt(format!("`{path}` appears twice")));
        }
    }
    Ok(files)
}

fn tar_error(bundle: &str, e: &std::io::Error) -> BundleError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        BundleError::Truncated {
            bundle: bundle.to_string(),
            message: format!("the tar stream ends inside a file ({e})"),
        }
    } else {
        BundleError::Corrupt {
            bundle: bundle.to_string(),
            message: format!("the tar stream is damaged ({e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        let mut files = Files::new();
        files.insert("ir.txt".into(), b"module x\n".to_vec());
        files.insert(MANIFEST.into(), b"{}\n".to_vec());
        files.insert("data/x/a.csv".into(), b"a\n1\n".to_vec());
        files
    }

    #[test]
    fn round_trips_with_the_manifest_first() {
        let bytes = write(&files()).unwrap_or_default();
        assert_eq!(read(&bytes, "b", &Limits::default()), Ok(files()));
        assert_eq!(write(&files()).unwrap_or_default(), bytes);
        let mut tar_bytes = Vec::new();
        let _ = flate2::read::GzDecoder::new(bytes.as_slice()).read_to_end(&mut tar_bytes);
        let first = tar_bytes.get(..MANIFEST.len()).unwrap_or_default();
        assert_eq!(first, MANIFEST.as_bytes());
    }

    #[test]
    fn refuses_unsafe_paths() {
        for bad in ["", "/etc/passwd", "../x", "a//b", "a/./b", "a\\b", "a\nb"] {
            assert!(!valid_path(bad), "{bad:?}");
        }
        assert!(valid_path("data/asean/lost_stolen.csv"));
    }

    #[test]
    fn every_cut_is_truncated_or_corrupt_never_accepted() {
        let bytes = write(&files()).unwrap_or_default();
        for len in 0..bytes.len() {
            let cut = bytes.get(..len).unwrap_or_default();
            match read(cut, "b", &Limits::default()) {
                Err(BundleError::Truncated { .. } | BundleError::Corrupt { .. }) => {}
                other => panic!("cut at {len}: {other:?}"),
            }
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            read(&longer, "b", &Limits::default()),
            Err(BundleError::Corrupt { .. })
        ));
    }

    #[test]
    fn limits_are_enforced() {
        let bytes = write(&files()).unwrap_or_default();
        let small = Limits {
            max_uncompressed: 1024,
            ..Limits::default()
        };
        assert!(matches!(
            read(&bytes, "b", &small),
            Err(BundleError::TooLarge { .. })
        ));
        let few = Limits {
            max_files: 2,
            ..Limits::default()
        };
        assert!(matches!(
            read(&bytes, "b", &few),
            Err(BundleError::TooLarge { .. })
        ));
    }
}
