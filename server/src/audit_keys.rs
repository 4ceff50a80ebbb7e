//! The access log's two keys, kept out of the database so that whoever can
//! write the database cannot forge the log (issue 16, finding 6):
//! - the chain key: each entry's hash is an HMAC-SHA256 under it, so a
//!   removed or edited entry cannot be re-chained;
//! - the checkpoint key (Ed25519): signs the log's head and its checkpoints
//!   (entry count and head hash), so a truncated log no longer matches them.
//!   Anyone with the public key can check an exported checkpoint.
//!
//! Generated into the secrets folder once, with an exclusive create, like
//! the token signing key (`auth::Keys`), so processes sharing the folder
//! agree; mode 0600.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FILE: &str = "audit-keys.json";

#[derive(Serialize, Deserialize)]
struct KeyFile {
    chain_key: String,
    checkpoint_key: String,
}

#[derive(Clone)]
pub struct AuditKeys {
    chain: [u8; 32],
    signing: SigningKey,
    /// A file beside the keys that says this log has had a signed head.
    /// It lives outside the database, so whoever can write the database
    /// cannot make the server believe it never had one and sign a new head
    /// over a rewritten log.
    anchored: std::path::PathBuf,
}

/// Secret material never reaches `Debug` or the logs.
impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeys")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    b
}

/// The marker file of `AuditKeys::anchored`.
pub const ANCHORED: &str = "audit-anchored";

fn err(e: impl std::fmt::Display) -> String {
    format!("{FILE}: {e}")
}

impl AuditKeys {
    /// Loads the keys from `dir`, creating them on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self, String> {
        let path = dir.join(FILE);
        // The folder and the file are the server user's alone, also when
        // an older version left them open.
        crate::files::private_dir(dir).map_err(err)?;
        if !path.exists() {
            let file = KeyFile {
                chain_key: B64.encode(random32()),
                checkpoint_key: B64.encode(random32()),
            };
            let text = serde_json::to_string_pretty(&file).map_err(err)?;
            use std::io::Write;
            let mut open = std::fs::OpenOptions::new();
            open.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
            match open.open(&path) {
                Ok(mut f) => f.write_all(text.as_bytes()).map_err(err)?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(err(e)),
            }
        }
        crate::files::private_file(&path).map_err(err)?;
        let file: KeyFile =
            serde_json::from_str(&std::fs::read_to_string(&path).map_err(err)?).map_err(err)?;
        let bytes = |s: &str| -> Result<[u8; 32], String> {
            B64.decode(s)
                .map_err(err)?
                .try_into()
                .map_err(|_| err("a key is not 32 bytes"))
        };
        Ok(Self {
            chain: bytes(&file.chain_key)?,
            signing: SigningKey::from_bytes(&bytes(&file.checkpoint_key)?),
            anchored: dir.join(ANCHORED),
        })
    }

    /// Whether this log has had a signed head (so a missing one was removed).
    pub fn anchored(&self) -> bool {
        self.anchored.exists()
    }

    /// Records, outside the database, that the log now has a signed head.
    pub fn mark_anchored(&self) -> Result<(), String> {
        match crate::files::write_new_private(&self.anchored, b"the access log has a signed head\n")
        {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(err(e)),
            _ => Ok(()),
        }
    }

    /// HMAC-SHA256 of `data` under the chain key, as hex.
    pub fn chain_mac(&self, data: &[u8]) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&self.chain)
            .expect("HMAC takes any key length");
        mac.update(data);
        hex(&mac.finalize().into_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> String {
        B64.encode(self.signing.sign(message).to_bytes())
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The public key, base64: what an auditor checks checkpoints with.
    pub fn public_key_b64(&self) -> String {
        B64.encode(self.public_key().to_bytes())
    }

    /// Names the checkpoint key (the first 16 hex digits of its SHA-256).
    pub fn key_id(&self) -> String {
        use sha2::Digest;
        hex(&sha2::Sha256::digest(self.public_key().to_bytes()))[..16].to_owned()
    }

    pub fn verify(&self, message: &[u8], signature_b64: &str) -> bool {
        let Ok(bytes) = B64.decode(signature_b64) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&bytes) else {
            return false;
        };
        self.public_key().verify(message, &sig).is_ok()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_kept_private_and_sign_what_they_verify() {
        let dir = std::env::temp_dir().join(format!("fieldlog-audit-{}", uuid::Uuid::new_v4()));
        let a = AuditKeys::load_or_create(&dir).unwrap();
        let b = AuditKeys::load_or_create(&dir).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        assert_eq!(a.chain_mac(b"x"), b.chain_mac(b"x"));
        let sig = a.sign(b"head");
        assert!(b.verify(b"head", &sig));
        assert!(!b.verify(b"head2", &sig));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        assert!(!format!("{a:?}").contains(&B64.encode(a.chain)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
