//! Typed settings, loaded once: defaults, then an optional TOML file, then
//! the environment (`FIELDLOG_*`, and `DATABASE_URL` as API.md names it).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The files that hold secrets: the token signing keys (which also root the
/// device-key secrets) and the access log's chain and checkpoint keys.
const SECRET_FILES: [&str; 2] = ["keys.json", "audit-keys.json"];

#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// address:port to listen on.
    pub listen: String,
    /// address:port serving `/metrics` (Prometheus) and nothing else; unset,
    /// no metrics are served. Never the public port: the counters describe
    /// an agency's activity, and anyone could read them there.
    pub metrics_listen: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are
    /// believed (addresses or CIDRs); empty, none are.
    pub trusted_proxies: crate::proxies::TrustedProxies,
    /// Send HSTS on every answer, for a TLS terminator that does not say
    /// `X-Forwarded-Proto: https`. Without it, HSTS goes with the answers
    /// a trusted proxy received over TLS.
    pub hsts: bool,
    /// The folder of the signing keys (which also root the device-key
    /// secrets), kept apart from the data so that a copy of the data folder
    /// cannot mint tokens; unset, the data folder.
    pub secrets_dir: Option<PathBuf>,
    /// The SQLite folder and generated keys.
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL; unset means the embedded SQLite file.
    pub database_url: Option<String>,
    /// Largest request body in bytes (413 beyond).
    pub body_limit: usize,
    /// Seconds a request may take before it is answered 408/503.
    pub request_timeout_secs: u64,
    /// Seconds a connection may take to send a request's headers before it
    /// is closed (a client that sends half a request and hangs).
    pub header_timeout_secs: u64,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    /// How long one sign-in lasts, however often its tokens are refreshed:
    /// one shift by default, then the user signs in again (issue 16,
    /// finding 3). An agency setting until agencies are entities.
    pub session_hours: f64,
    /// How long a phone may be unlocked offline, with the password alone,
    /// after it last reached the server; then it must sign in online (issue
    /// 16, finding 11: a disabled officer could unlock offline for good).
    pub offline_unlock_hours: f64,
    /// JWT issuer and audience.
    pub issuer: String,
    pub audience: String,
    /// Failed logins of one account within `lockout_minutes` that lock it.
    pub lockout_failures: u64,
    pub lockout_minutes: i64,
    /// Failed logins from one address within a minute before 429.
    pub address_failures_per_minute: u64,
    /// The folder of the built web app served at `/`; a placeholder page when absent.
    pub web_dir: Option<PathBuf>,
    pub database_pool: u32,
    /// Report cells from 1 to this minus one are suppressed. The server
    /// refuses to start with less than `report::MIN_THRESHOLD` (5).
    pub report_min_cell: u64,
    /// Lets webhooks target loopback and private addresses (tests; a lab).
    /// `FIELDLOG_WEBHOOK_ALLOW_PRIVATE=1`.
    #[serde(deserialize_with = "flag")]
    pub webhook_allow_private: bool,
    /// The first wait before a failed webhook delivery is tried again; it
    /// doubles each time, to an hour at most.
    pub webhook_retry_base_ms: i64,
    /// Identity providers users may sign in with (OpenID Connect), each
    /// bound to one organisation; each one's client secret is the file
    /// `oidc-<id>.secret` in the secrets folder.
    pub oidc: Vec<crate::oidc::ProviderSettings>,
    /// Where users reach Fieldlog (`https://fieldlog.county.example`): the
    /// address an identity provider sends them back to. Unset, the
    /// request's own (its `Host`, and https behind a trusted TLS proxy).
    pub public_url: Option<String>,
}

/// A yes/no setting as an environment variable may spell it: true, false,
/// 1, 0 (as API.md writes `FIELDLOG_WEBHOOK_ALLOW_PRIVATE=1`).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match Flag::deserialize(d)? {
        Flag::Bool(b) => Ok(b),
        Flag::Int(n) => Ok(n != 0),
        Flag::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Ok(true),
            "0" | "false" | "no" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "not a yes or no: {other}"
            ))),
        },
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            metrics_listen: None,
            trusted_proxies: crate::proxies::TrustedProxies::default(),
            hsts: false,
            secrets_dir: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            body_limit: 4 << 20,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            access_token_minutes: 15,
            refresh_token_days: 30,
            session_hours: 14.0,
            offline_unlock_hours: 72.0,
            issuer: "fieldlog".into(),
            audience: "fieldlog-api".into(),
            lockout_failures: 5,
            lockout_minutes: 15,
            address_failures_per_minute: 20,
            // Where `cargo xtask run` builds the app, relative to the checkout.
            web_dir: Some(PathBuf::from("wasm-pwa/web/dist")),
            database_pool: 8,
            report_min_cell: client_core::report::DEFAULT_THRESHOLD,
            webhook_allow_private: false,
            webhook_retry_base_ms: 30_000,
            oidc: Vec::new(),
            public_url: None,
        }
    }
}

impl Settings {
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut f = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            f = f.merge(Toml::file(file));
        }
        f.merge(Env::prefixed("FIELDLOG_"))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .extract::<Settings>()
            .map_err(Box::new)
            .and_then(|s| {
                if s.report_min_cell < client_core::report::MIN_THRESHOLD {
                    return Err(Box::new(figment::Error::from(format!(
                        "report_min_cell must be at least {} (it is {})",
                        client_core::report::MIN_THRESHOLD,
                        s.report_min_cell
                    ))));
                }
                s.validate_limits()
                    .map_err(|e| Box::new(figment::Error::from(e)))?;
                let keys = s
                    .keys_dir()
                    .map_err(|e| Box::new(figment::Error::from(e.to_string())))?;
                crate::oidc::check(&s.oidc, &keys)
                    .map_err(|e| Box::new(figment::Error::from(e)))?;
                Ok(s)
            })
    }

    /// The folder of the signing keys: the secrets folder when set, else
    /// the data folder. With a secrets folder, a secret file still in the
    /// data folder is refused rather than ignored: a copy of the data folder
    /// could mint tokens with it, and when the secrets folder has none yet,
    /// starting with fresh keys would sign everyone out, strand the phones'
    /// wrapped outboxes and break the access log's chain; the message says
    /// to move it. `load` checks this before anything is opened.
    pub fn keys_dir(&self) -> anyhow::Result<PathBuf> {
        let Some(secrets) = &self.secrets_dir else {
            return Ok(self.data_dir.clone());
        };
        for name in SECRET_FILES {
            let left = self.data_dir.join(name);
            if secrets == &self.data_dir || !left.exists() {
                continue;
            }
            let what = if secrets.join(name).exists() {
                "remove it (the copy in the secrets folder is the one used)"
            } else {
                "move it into the secrets folder"
            };
            anyhow::bail!(
                "{} is in the data folder while FIELDLOG_SECRETS_DIR is {}: {what}",
                left.display(),
                secrets.display()
            );
        }
        Ok(secrets.clone())
    }

    /// Limits that must be more than zero: a lockout of 0 failures indexed
    /// past its list and panicked at every sign-in, and a session of 0 hours
    /// would end before its first token.
    pub fn validate_limits(&self) -> Result<(), String> {
        let positive = [
            ("lockout_failures", self.lockout_failures as f64),
            ("lockout_minutes", self.lockout_minutes as f64),
            (
                "address_failures_per_minute",
                self.address_failures_per_minute as f64,
            ),
            ("session_hours", self.session_hours),
            ("offline_unlock_hours", self.offline_unlock_hours),
        ];
        match positive
            .iter()
            .find(|(_, v)| v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater))
        {
            Some((name, v)) => Err(format!("{name} must be more than 0 (it is {v})")),
            None => Ok(()),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"))
    }
}

/// Never prints the database URL's password.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let db = match &self.database_url {
            Some(url) => redact_url(url),
            None => format!("sqlite in {}", self.data_dir.display()),
        };
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database", &db)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_database_password() {
        let s = Settings {
            database_url: Some("postgres://app:hunter2@db:5432/fieldlog".into()),
            ..Settings::default()
        };
        let text = format!("{s:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("db:5432/fieldlog"), "{text}");
    }

    #[test]
    fn limits_of_zero_are_refused() {
        assert_eq!(Settings::default().validate_limits(), Ok(()));
        let zero = Settings {
            lockout_failures: 0,
            ..Settings::default()
        };
        assert!(
            zero.validate_limits()
                .is_err_and(|e| e.contains("lockout_failures"))
        );
        let nan = Settings {
            session_hours: f64::NAN,
            ..Settings::default()
        };
        assert!(
            nan.validate_limits()
                .is_err_and(|e| e.contains("session_hours"))
        );
    }
}
