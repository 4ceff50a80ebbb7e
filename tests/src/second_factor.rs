//! A sign-in whose organisation requires a second factor of the user's
//! role and finds none sets one up (issue 18, `methods: ["totp_enrol"]`).
//! The stories' sign-in helper does what the person would: takes the
//! secret into an authenticator (here totp-rs) and sends its first code.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// An authenticator app holding `secret` (base32).
pub fn app(secret: &str) -> Result<Totp> {
    Ok(Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::try_from_base32(secret).map_err(|e| anyhow::anyhow!("{e:?}"))?)
        .with_account_name("x")
        .build_noncompliant())
}

/// `answer` as it is, or, when it asks to set up a factor, the tokens after
/// doing so.
pub async fn enrol_if_asked(http: &reqwest::Client, base: &str, answer: Value) -> Result<Value> {
    let asked = answer["methods"]
        .as_array()
        .is_some_and(|m| m.iter().any(|m| m == "totp_enrol"));
    if !asked {
        return Ok(answer);
    }
    let token = answer["mfa_token"].clone();
    let r = http
        .post(format!("{base}/api/v1/auth/mfa/enrol"))
        .json(&json!({"mfa_token": token}))
        .send()
        .await?;
    let enrolment: Value = r.json().await?;
    let secret = enrolment["secret"].as_str().context("no secret")?;
    let now = chrono::Utc::now().timestamp() as u64;
    let r = http
        .post(format!("{base}/api/v1/auth/mfa"))
        .json(&json!({"mfa_token": token, "code": app(secret)?.generate(now).to_string()}))
        .send()
        .await?;
    let status = r.status();
    let body: Value = r.json().await?;
    if !status.is_success() {
        bail!("setting up the second factor: {status} {body}");
    }
    Ok(body)
}
