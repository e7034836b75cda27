//! Ed25519 keys with ids, the trust directory, and the signature file.
//!
//! A key file is one line of JSON naming its algorithm and id, so a key
//! found on a disk says what it is. A checkpoint trusts a directory of
//! `KEYID.pub` files and reads it at every load: rotating a key is adding
//! the new file, re-signing, then removing the old file, with no new
//! runtime and no restart.

use crate::BundleError;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const ALGORITHM: &str = "ed25519";

/// Whether `id` can name a key: it becomes a file name (`ID.key`,
/// `ID.pub`), so letters, digits, `.`, `_` and `-` only, not starting with
/// a dot, at most 64 characters.
pub fn check_key_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 64 {
        return Err(format!("key id `{id}` must be 1 to 64 characters long"));
    }
    if id.starts_with('.')
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(format!(
            "key id `{id}` may hold only letters, digits, `.`, `_` and `-`, and may not start with `.`"
        ));
    }
    Ok(())
}

/// A signing key. Its bytes are wiped from memory when it is dropped.
pub struct SecretKey {
    id: String,
    key: SigningKey,
}

/// A key that verifies signatures, as a checkpoint holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    id: String,
    key: VerifyingKey,
}

#[derive(Serialize, Deserialize)]
struct SecretKeyFile {
    algorithm: String,
    key_id: String,
    secret_key: String,
}

#[derive(Serialize, Deserialize)]
struct PublicKeyFile {
    algorithm: String,
    key_id: String,
    public_key: String,
}

/// `manifest.sig`: who signed, and the signature over the exact bytes of
/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureFile {
    pub algorithm: String,
    pub key_id: String,
    /// 64 bytes, in hexadecimal.
    pub signature: String,
}

impl SecretKey {
    /// A new key from the operating system's random source.
    pub fn generate(id: &str) -> Result<SecretKey, BundleError> {
        check_key_id(id).map_err(|message| BundleError::Key {
            path: id.to_string(),
            message,
        })?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| BundleError::Key {
            path: id.to_string(),
            message: format!("the operating system gave no random bytes: {e}"),
        })?;
        let key = SigningKey::from_bytes(&seed);
        seed.fill(0);
        Ok(SecretKey {
            id: id.to_string(),
            key,
        })
    }

    /// A key from its 32-byte seed; for tests that need fixed keys.
    pub fn from_seed(id: &str, seed: [u8; 32]) -> Result<SecretKey, BundleError> {
        check_key_id(id).map_err(|message| BundleError::Key {
            path: id.to_string(),
            message,
        })?;
        Ok(SecretKey {
            id: id.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn public(&self) -> PublicKey {
        PublicKey {
            id: self.id.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The contents of `ID.key`.
    pub fn to_file(&self) -> String {
        let file = SecretKeyFile {
            algorithm: ALGORITHM.into(),
            key_id: self.id.clone(),
            secret_key: hex(self.key.as_bytes()),
        };
        json_line(&file)
    }

    /// Parses the contents of a `.key` file; `path` names it in errors.
    pub fn from_file(text: &str, path: &str) -> Result<SecretKey, BundleError> {
        let bad = |message: String| BundleError::Key {
            path: path.to_string(),
            message,
        };
        let file: SecretKeyFile = serde_json::from_str(text)
            .map_err(|e| bad(format!("not a lintas signing key ({e})")))?;
        check_algorithm(&file.algorithm).map_err(bad)?;
        check_key_id(&file.key_id).map_err(bad)?;
        let seed = unhex::<32>(&file.secret_key)
            .ok_or_else(|| bad("`secret_key` is not 32 bytes in hexadecimal".into()))?;
        Ok(SecretKey {
            id: file.key_id,
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Reads a `.key` file.
    pub fn read(path: &Path) -> Result<SecretKey, BundleError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| BundleError::Key {
            path: shown.clone(),
            message: format!("cannot read: {e}"),
        })?;
        SecretKey::from_file(&text, &shown)
    }

    /// The signature file for these exact manifest bytes. Ed25519 signing
    /// is deterministic, so signing the same manifest twice gives the same
    /// bytes: a signed bundle stays reproducible.
    pub fn sign(&self, manifest: &[u8]) -> SignatureFile {
        SignatureFile {
            algorithm: ALGORITHM.into(),
            key_id: self.id.clone(),
            signature: hex(&self.key.sign(manifest).to_bytes()),
        }
    }
}

impl PublicKey {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The contents of `ID.pub`.
    pub fn to_file(&self) -> String {
        let file = PublicKeyFile {
            algorithm: ALGORITHM.into(),
            key_id: self.id.clone(),
            public_key: hex(self.key.as_bytes()),
        };
        json_line(&file)
    }

    /// Parses the contents of a `.pub` file; `Err` says what is wrong.
    pub fn from_file(text: &str) -> Result<PublicKey, String> {
        let file: PublicKeyFile =
            serde_json::from_str(text).map_err(|e| format!("not a lintas public key ({e})"))?;
        check_algorithm(&file.algorithm)?;
        check_key_id(&file.key_id)?;
        let bytes = unhex::<32>(&file.public_key)
            .ok_or_else(|| "`public_key` is not 32 bytes in hexadecimal".to_string())?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| "`public_key` is not a valid Ed25519 key".to_string())?;
        // A weak (small-order) key verifies forged signatures; never trust one.
        if key.is_weak() {
            return Err("`public_key` is a weak Ed25519 key".into());
        }
        Ok(PublicKey {
            id: file.key_id,
            key,
        })
    }

    /// Whether `signature` (hex) is this key's signature over `message`.
    /// Strict verification: no malleable or small-order signatures.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Some(bytes) = unhex::<64>(signature) else {
            return false;
        };
        self.key
            .verify_strict(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

/// The keys a checkpoint trusts, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustStore {
    /// Where the keys came from, for messages.
    pub origin: String,
    keys: BTreeMap<String, PublicKey>,
}

impl TrustStore {
    /// Every `*.pub` file in `dir`. A file must be named after the id it
    /// holds, so removing `old.pub` is certain to remove key `old`.
    pub fn read(dir: &Path) -> Result<TrustStore, BundleError> {
        let origin = dir.display().to_string();
        let trust_error = |message: String| BundleError::Trust {
            path: origin.clone(),
            message,
        };
        let entries =
            std::fs::read_dir(dir).map_err(|e| trust_error(format!("cannot list: {e}")))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| trust_error(format!("cannot list: {e}")))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".pub") && !name.starts_with('.') {
                paths.push((name, entry.path()));
            }
        }
        paths.sort();
        let mut keys = BTreeMap::new();
        for (name, path) in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| trust_error(format!("cannot read `{name}`: {e}")))?;
            let key =
                PublicKey::from_file(&text).map_err(|e| trust_error(format!("`{name}`: {e}")))?;
            let stem = name.trim_end_matches(".pub");
            if key.id != stem {
                return Err(trust_error(format!(
                    "`{name}` holds key `{}`; name the file `{}.pub`",
                    key.id, key.id
                )));
            }
            keys.insert(key.id.clone(), key);
        }
        Ok(TrustStore { origin, keys })
    }

    /// Keys held in memory (an embedder's own configuration); `origin`
    /// names them in messages.
    pub fn from_keys(origin: &str, keys: impl IntoIterator<Item = PublicKey>) -> TrustStore {
        TrustStore {
            origin: origin.to_string(),
            keys: keys.into_iter().map(|k| (k.id.clone(), k)).collect(),
        }
    }

    pub fn get(&self, id: &str) -> Option<&PublicKey> {
        self.keys.get(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

fn check_algorithm(algorithm: &str) -> Result<(), String> {
    if algorithm == ALGORITHM {
        Ok(())
    } else {
        Err(format!(
            "algorithm `{algorithm}` is not supported (only `{ALGORITHM}`)"
        ))
    }
}

fn json_line<T: Serialize>(value: &T) -> String {
    // Serialising a struct of strings cannot fail; an empty line would be
    // refused when read back, never taken for a key.
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    text
}

/// Exactly `N` bytes from hexadecimal (either case), or `None`.
fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.as_bytes();
    if text.len() != N * 2 {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let [high, low] = pair else { return None };
        *byte = digit(*high)? << 4 | digit(*low)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_files() {
        let Ok(secret) = SecretKey::from_seed("ops-2026", [7; 32]) else {
            panic!("valid id");
        };
        let public = secret.public();
        let Ok(read_back) = PublicKey::from_file(&public.to_file()) else {
            panic!("public key file");
        };
        assert_eq!(read_back, public);
        let Ok(secret_back) = SecretKey::from_file(&secret.to_file(), "k") else {
            panic!("secret key file");
        };
        let signature = secret_back.sign(b"manifest");
        assert_eq!(signature, secret.sign(b"manifest"));
        assert!(public.verifies(b"manifest", &signature.signature));
        assert!(!public.verifies(b"manifest!", &signature.signature));
        assert!(!public.verifies(b"manifest", "00"));
    }

    #[test]
    fn key_ids_are_safe_file_names() {
        for good in ["ops-2026", "a", "SGP.ica_1"] {
            assert_eq!(check_key_id(good), Ok(()));
        }
        for bad in ["", ".hidden", "a/b", "../x", "a b", &"x".repeat(65)] {
            assert!(check_key_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
        assert_eq!(unhex::<3>("00FF10"), Some([0, 255, 16]));
        assert_eq!(unhex::<3>("00ff1"), None);
        assert_eq!(unhex::<1>("zz"), None);
    }
}
