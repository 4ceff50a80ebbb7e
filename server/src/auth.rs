//! Passwords (argon2id), access tokens (JWT, HS256 pinned, with a key id for
//! rotation), and opaque refresh tokens.
//!
//! An access token carries the user's security stamp; changing the password
//! or disabling the user changes the stamp, and every token issued before
//! stops working at once, on every server process.

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm as Argon2Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use client_core::{Role, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use thiserror::Error;

/// The `typ` header of access tokens (RFC 9068).
const ACCESS_TYP: &str = "at+jwt";

#[derive(Debug, Error)]
pub enum AuthError {
    #[error("password hashing failed")]
    Hash,
    #[error("token is invalid")]
    InvalidToken,
    #[error("signing keys: {0}")]
    Keys(String),
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| AuthError::Hash)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(hash) = PasswordHash::new(hash) else {
        return false;
    };
    with_workspace(|blocks| verify_in(password.as_bytes(), &hash, blocks)).unwrap_or(false)
}

/// Argon2id's own `verify_password` allocates its 19 MiB of working memory
/// on every call and frees it after. glibc then raises its mmap threshold
/// past that size, so the next ones come from the arena of whichever
/// blocking-pool thread runs them, and every arena keeps its 19 MiB: the
/// soak's fifty sign-ins stepped the server from 82 MB to 200 MB for good.
/// Workspaces are allocated once and reused: never more of them than
/// verifications ran at once, which the queue below keeps to one per two
/// cores.
fn with_workspace<T>(f: impl FnOnce(&mut Vec<Block>) -> T) -> T {
    static SPARE: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());
    let taken = SPARE.lock().map(|mut s| s.pop()).unwrap_or(None);
    let mut blocks = taken.unwrap_or_default();
    let out = f(&mut blocks);
    // Password-derived state does not stay in memory between sign-ins.
    blocks.fill(Block::new());
    if let Ok(mut spare) = SPARE.lock() {
        spare.push(blocks);
    }
    out
}

/// What `PasswordVerifier::verify_password` does, on memory we keep.
fn verify_in(password: &[u8], hash: &PasswordHash, blocks: &mut Vec<Block>) -> Option<bool> {
    let algorithm = Argon2Algorithm::try_from(hash.algorithm.as_str()).ok()?;
    let version = match hash.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(hash).ok()?;
    let (salt, expected) = (hash.salt.as_ref()?, hash.hash.as_ref()?);
    if blocks.len() != params.block_count() {
        *blocks = vec![Block::new(); params.block_count()];
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, &mut blocks[..])
        .ok()?;
    // Output's equality is constant-time.
    Some(Output::new(&out).ok()? == *expected)
}

/// Verifies on the blocking pool, at most one verification at once per two
/// cores (at least one), so sign-ins never take every core from sync. Each
/// argon2id run needs 19 MiB and a core for tens of milliseconds: fifty
/// officers signing in together (the start of a shift, or the soak's token
/// renewal) ran fifty at once, took the server from 83 MB to 1.2 GB of RSS,
/// and starved the sync requests around them until they answered 503.
/// Queued logins wait their turn instead.
pub async fn verify_password_queued(
    password: String,
    hash: String,
) -> Result<bool, tokio::task::JoinError> {
    let _permit = argon2_gate().acquire().await.ok();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await
}

/// Hashing costs what verifying does, and waits in the same queue (an
/// admin's new users and invites redeemed at once must not starve syncs).
pub async fn hash_password_queued(password: String) -> Result<String, AuthError> {
    let _permit = argon2_gate().acquire().await.ok();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| AuthError::Hash)?
}

/// One argon2id run per two cores at a time. The semaphore is never
/// closed, so acquiring cannot fail.
fn argon2_gate() -> &'static tokio::sync::Semaphore {
    static GATE: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new((cores / 2).max(1))
    })
}

/// A dummy hash to verify against when the user does not exist, so that
/// response time does not reveal which usernames exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not recoverable for an auth server.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    B64.encode(bytes)
}

/// Whether a presented MAC tag equals the expected one, in constant time:
/// the comparison must not leak how much of a forged tag was right.
pub fn same_tag(tag: &[u8], want: &[u8]) -> bool {
    tag.len() == want.len()
        && tag
            .iter()
            .zip(want.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A refresh token is stored only as its SHA-256.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: uuid::Uuid,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    /// A digest of the user's security stamp when the token was issued.
    pub stamp: String,
}

impl Claims {
    pub fn user(&self) -> UserId {
        UserId(self.sub)
    }
}

pub fn stamp_digest(stamp: &str) -> String {
    token_hash(stamp)[..16].to_owned()
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    secret: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct KeyFile {
    /// Oldest first; the last one signs, all verify (rotation).
    keys: Vec<StoredKey>,
    /// The device-key root, written down when the key it was derived from
    /// (the first) is retired; until then derived from that key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_root: Option<String>,
}

fn new_key() -> StoredKey {
    StoredKey {
        kid: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
        secret: random_token(),
    }
}

impl StoredKey {
    fn secret(&self) -> Result<Vec<u8>, AuthError> {
        B64.decode(&self.secret)
            .map_err(|e| AuthError::Keys(e.to_string()))
    }
}

impl KeyFile {
    /// The oldest key roots the device secrets so that rotating signing keys
    /// (appending) never strands a phone's server-wrapped outbox; once that
    /// key is retired, the root is kept in the file.
    fn device_root(&self) -> Result<[u8; 32], AuthError> {
        if let Some(root) = &self.device_root {
            return B64
                .decode(root)
                .ok()
                .and_then(|r| <[u8; 32]>::try_from(r).ok())
                .ok_or_else(|| AuthError::Keys("keys.json: device_root is not 32 bytes".into()));
        }
        let first = self
            .keys
            .first()
            .ok_or_else(|| AuthError::Keys("keys.json has no key".into()))?;
        Ok(Sha256::new()
            .chain_update(b"fieldlog device-wrap root v1")
            .chain_update(first.secret()?)
            .finalize()
            .into())
    }

    fn read(path: &Path) -> Result<Self, AuthError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AuthError::Keys(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| AuthError::Keys(e.to_string()))
    }

    fn write(&self, path: &Path) -> Result<(), AuthError> {
        let text =
            serde_json::to_string_pretty(self).map_err(|e| AuthError::Keys(e.to_string()))?;
        crate::files::replace_private(path, text.as_bytes())
            .map_err(|e| AuthError::Keys(format!("{}: {e}", path.display())))
    }

    fn kids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.kid.clone()).collect()
    }
}

/// `server keys list`: the key ids, oldest first; the last one signs.
pub fn list_keys(dir: &Path) -> Result<Vec<String>, AuthError> {
    KeyFile::read(&dir.join("keys.json")).map(|f| f.kids())
}

/// `server keys rotate`: a new key signs from the next start on; every older
/// key still verifies, so no one is signed out. Returns the key ids, oldest
/// first.
pub fn rotate_keys(dir: &Path) -> Result<Vec<String>, AuthError> {
    let path = dir.join("keys.json");
    let mut file = KeyFile::read(&path)?;
    file.keys.push(new_key());
    file.write(&path)?;
    Ok(file.kids())
}

/// `server keys retire KID`: the key no longer verifies, so its tokens end
/// (at most `access_token_minutes` after a rotation, none are left). The
/// signing key cannot be retired, and the device-key root survives its key.
pub fn retire_key(dir: &Path, kid: &str) -> Result<Vec<String>, AuthError> {
    let path = dir.join("keys.json");
    let mut file = KeyFile::read(&path)?;
    let at = file
        .keys
        .iter()
        .position(|k| k.kid == kid)
        .ok_or_else(|| AuthError::Keys(format!("no key {kid:?} in {}", path.display())))?;
    if at + 1 == file.keys.len() {
        return Err(AuthError::Keys(format!(
            "{kid} signs the tokens; rotate first, then retire it"
        )));
    }
    if file.device_root.is_none() {
        file.device_root = Some(B64.encode(file.device_root()?));
    }
    file.keys.remove(at);
    file.write(&path)?;
    Ok(file.kids())
}

/// The signing keys. Secret material never reaches `Debug` or the logs.
#[derive(Clone)]
pub struct Keys {
    signing_kid: String,
    encoding: EncodingKey,
    decoding: Vec<(String, DecodingKey)>,
    issuer: String,
    audience: String,
    /// Roots the per-user device wrapping secrets (see `device_secret`).
    device_root: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("signing_kid", &self.signing_kid)
            .field("keys", &self.decoding.len())
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Loads `keys.json` from `dir` (the secrets folder, or the data folder),
    /// creating it with one fresh key on first start. Creation is exclusive,
    /// so two processes starting on one folder agree on the key. The file is
    /// the server user's alone (0600).
    pub fn load_or_create(dir: &Path, issuer: &str, audience: &str) -> Result<Self, AuthError> {
        let path = dir.join("keys.json");
        let io = |e: std::io::Error| AuthError::Keys(format!("{}: {e}", path.display()));
        if !dir.exists() {
            crate::files::private_dir(dir).map_err(io)?;
        }
        if !path.exists() {
            let file = KeyFile {
                keys: vec![new_key()],
                device_root: None,
            };
            let text =
                serde_json::to_string_pretty(&file).map_err(|e| AuthError::Keys(e.to_string()))?;
            match crate::files::write_new_private(&path, text.as_bytes()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
        } else if let Err(e) = crate::files::private_file(&path) {
            // A read-only secrets mount may refuse; its owner set its mode.
            tracing::warn!(error = %e, "could not make keys.json private (0600)");
        }
        let file = KeyFile::read(&path)?;
        let last = file
            .keys
            .last()
            .ok_or_else(|| AuthError::Keys("keys.json has no key".into()))?;
        Ok(Self {
            device_root: file.device_root()?,
            signing_kid: last.kid.clone(),
            encoding: EncodingKey::from_secret(&last.secret()?),
            decoding: file
                .keys
                .iter()
                .map(|k| Ok((k.kid.clone(), DecodingKey::from_secret(&k.secret()?))))
                .collect::<Result<_, AuthError>>()?,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// The secret a device wraps its storage key with (SECURITY.md), per
    /// user, device and epoch: HMAC-SHA256 under the device root. It is
    /// released only in the answer to a password sign-in on that device
    /// (never to a bearer token alone, so a stolen access token opens no
    /// signed-out phone), and the epoch moves on a new password or a
    /// disable, so a secret released before cannot open what a phone wraps
    /// after.
    pub fn device_secret(&self, user: UserId, device: uuid::Uuid, epoch: i32) -> [u8; 32] {
        let mut data = Vec::with_capacity(36);
        data.extend_from_slice(user.0.as_bytes());
        data.extend_from_slice(device.as_bytes());
        data.extend_from_slice(&epoch.to_le_bytes());
        self.mac(b"device-wrap:v2:", &data)
    }

    /// The per-user secret phones wrapped with before secrets were per
    /// device: released with the new one so such a phone recovers once and
    /// re-wraps.
    pub fn legacy_device_secret(&self, user: UserId) -> [u8; 32] {
        self.mac(b"device-wrap:", user.0.as_bytes())
    }

    /// HMAC-SHA256 of `data` under the device root, domain-separated by
    /// `label` (device cookies).
    pub fn mac(&self, label: &[u8], data: &[u8]) -> [u8; 32] {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.device_root)
            .expect("HMAC takes any key length");
        mac.update(label);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    pub fn issue(&self, user: UserId, role: Role, stamp: &str, now: i64, ttl_secs: i64) -> String {
        let claims = Claims {
            sub: user.0,
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_secs,
            nbf: now - 5,
            iat: now,
            stamp: stamp_digest(stamp),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        header.typ = Some(ACCESS_TYP.into());
        // Encoding our own claims with a valid HMAC key cannot fail.
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap_or_default()
    }

    /// Checks signature (HS256 only), key id, `typ`, `exp`, `nbf`, `iss`, `aud`.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::InvalidToken)?;
        if header.alg != Algorithm::HS256 || header.typ.as_deref() != Some(ACCESS_TYP) {
            return Err(AuthError::InvalidToken);
        }
        let kid = header.kid.ok_or(AuthError::InvalidToken)?;
        let key = self
            .decoding
            .iter()
            .find(|(k, _)| *k == kid)
            .map(|(_, key)| key)
            .ok_or(AuthError::InvalidToken)?;
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, key, &v)
            .map(|d| d.claims)
            .map_err(|_| AuthError::InvalidToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{CustomizedPasswordHasher, PasswordVerifier};

    #[test]
    fn verification_on_kept_memory_agrees_with_argon2s_own() {
        let hash = hash_password("correct horse").expect("hash");
        let parsed = PasswordHash::new(&hash).expect("phc");
        for (password, expected) in [
            ("correct horse", true),
            ("correct horsE", false),
            ("", false),
        ] {
            let theirs = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            assert_eq!(theirs, expected, "argon2 itself on {password:?}");
            // Twice: the second run reuses the first one's workspace.
            assert_eq!(verify_password(password, &hash), expected);
            assert_eq!(verify_password(password, &hash), expected);
        }
    }

    #[test]
    fn a_hash_made_with_other_costs_still_verifies() {
        // A hash from before a change of the server's costs (smaller memory,
        // more passes, Argon2i): the workspace is resized to it.
        let params = Params::new(8 * 1024, 3, 1, None).expect("params");
        let salt = [7u8; 16];
        let old = Argon2::default()
            .hash_password_customized(b"old secret", &salt, Some("argon2i"), None, params)
            .expect("hash")
            .to_string();
        assert!(old.starts_with("$argon2i$"), "{old}");
        assert!(verify_password("old secret", &old));
        assert!(!verify_password("new secret", &old));
        let current = hash_password("new secret").expect("hash");
        assert!(verify_password("new secret", &current));
    }

    #[test]
    fn a_malformed_hash_is_a_refusal_not_a_panic() {
        for bad in [
            "",
            "$argon2id$",
            "$argon2id$v=19$m=0,t=0,p=0$c2FsdHNhbHQ$aGFzaA",
            "plain",
            "$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(!verify_password("x", bad), "{bad}");
        }
    }
}
