//! Sign-in with an agency's or district's identity provider (issue 18):
//! OpenID Connect's authorization-code flow with PKCE, through the
//! `openidconnect` crate (discovery, the token request, the ID token's
//! signature, issuer, audience, expiry and nonce). Which account the
//! identity opens is `client_core::identity`'s rule; `api::oidc` loads,
//! asks it and persists.
//!
//! The provider's metadata is discovered at each sign-in, not cached: a
//! sign-in is rare, and a provider that rotates its keys is then never
//! answered with old ones.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// A provider users may sign in with, as the settings give it. Its client
/// secret is the file `oidc-<id>.secret` in the secrets folder.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProviderSettings {
    /// Lower-case letters, digits and dashes: it is a path segment.
    pub id: String,
    /// What the sign-in button says after "Sign in with".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// The agency or district whose accounts it opens, and no other's.
    pub organization_id: uuid::Uuid,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the provider's settings: {0}")]
    Settings(String),
    #[error("the provider could not be reached or described itself wrongly: {0}")]
    Discovery(String),
    #[error("the provider refused the code: {0}")]
    Exchange(String),
    #[error("the provider's ID token failed its checks: {0}")]
    IdToken(String),
}

impl OidcError {
    /// Which step failed, for the server's log: never the provider's words,
    /// which may quote a token.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Settings(_) => "settings",
            Self::Discovery(_) => "discovery",
            Self::Exchange(_) => "exchange",
            Self::IdToken(_) => "id_token",
        }
    }
}

/// The file that holds `provider`'s client secret.
pub fn secret_file(keys_dir: &Path, provider: &str) -> std::path::PathBuf {
    keys_dir.join(format!("oidc-{provider}.secret"))
}

/// Checks the providers' settings before the server starts: ids, issuers,
/// and that every secret file is there.
pub fn check(providers: &[ProviderSettings], keys_dir: &Path) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for p in providers {
        let good_id = !p.id.is_empty()
            && p.id.len() <= 32
            && p.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !good_id {
            return Err(format!(
                "oidc provider id {:?}: use 1 to 32 lower-case letters, digits and dashes",
                p.id
            ));
        }
        if !seen.insert(p.id.as_str()) {
            return Err(format!("oidc provider id {:?} is given twice", p.id));
        }
        let issuer = IssuerUrl::new(p.issuer.clone())
            .map_err(|e| format!("oidc provider {}: issuer: {e}", p.id))?;
        // Plain http only on this machine (a lab, the tests): elsewhere the
        // code, the tokens and the provider's keys would cross in clear.
        let url = issuer.url();
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !loopback {
            return Err(format!("oidc provider {}: the issuer must be https", p.id));
        }
        let file = secret_file(keys_dir, &p.id);
        if !file.is_file() {
            return Err(format!(
                "oidc provider {}: its client secret belongs in {}",
                p.id,
                file.display()
            ));
        }
    }
    Ok(())
}

/// Who the provider says signed in: its `sub`, the one claim a link holds
/// by (names and addresses change, and people edit their own).
#[derive(Debug)]
pub struct Identity {
    pub subject: String,
}

/// Where to send the browser, and what to keep until it comes back.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Debug, thiserror::Error)]
enum HttpFailure {
    #[error("{0}")]
    Request(#[from] reqwest::Error),
    #[error("{0}")]
    Http(#[from] openidconnect::http::Error),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

/// The largest answer read from a provider (its metadata, keys, tokens).
const MAX_ANSWER: usize = 1 << 20;

fn http() -> Result<Http, OidcError> {
    // rustls' crypto, chosen once per process (as `webhooks::run` does).
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        // Following a redirect would let a provider's answer aim this
        // server's requests anywhere (the crate's SSRF warning).
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map(Http)
        .map_err(|e| OidcError::Settings(e.to_string()))
}

/// The provider's HTTP client: ours, owned, so that its futures are `Send`
/// for any lifetime (a closure over a borrowed client is not, to axum).
struct Http(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpFailure;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<openidconnect::HttpResponse, HttpFailure>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(send(self.0.clone(), request))
    }
}

async fn send(
    client: reqwest::Client,
    req: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpFailure> {
    let mut resp = client.execute(reqwest::Request::try_from(req)?).await?;
    let mut out = openidconnect::http::Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        out = out.header(k, v);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(HttpFailure::TooLarge(MAX_ANSWER));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(out.body(body)?)
}

async fn client(
    p: &ProviderSettings,
    secret: String,
    redirect_uri: &str,
    http: &Http,
) -> Result<Client, OidcError> {
    let issuer =
        IssuerUrl::new(p.issuer.clone()).map_err(|e| OidcError::Settings(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| OidcError::Discovery(e.to_string()))?;
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|e| OidcError::Settings(e.to_string()))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(redirect))
}

/// The provider's authorization URL for a new sign-in, with PKCE (S256).
pub async fn authorize(
    p: &ProviderSettings,
    secret: String,
    redirect_uri: &str,
) -> Result<Authorization, OidcError> {
    let http = http()?;
    let client = client(p, secret, redirect_uri, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    // The `openid` scope alone: the `sub` is all a sign-in needs.
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    Ok(Authorization {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Exchanges the code the browser brought back and checks the ID token.
pub async fn finish(
    p: &ProviderSettings,
    secret: String,
    redirect_uri: &str,
    code: String,
    pkce_verifier: String,
    nonce: String,
) -> Result<Identity, OidcError> {
    let http = http()?;
    let client = client(p, secret, redirect_uri, &http).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| OidcError::Settings(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request_async(&http)
        .await
        .map_err(|e| OidcError::Exchange(e.to_string()))?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| OidcError::IdToken("there is none".into()))?;
    let verifier = client.id_token_verifier();
    let claims: &CoreIdTokenClaims = id_token
        .claims(&verifier, &Nonce::new(nonce))
        .map_err(|e| OidcError::IdToken(e.to_string()))?;
    // An access token swapped in from another sign-in would not match.
    if let Some(want) = claims.access_token_hash() {
        let alg = id_token
            .signing_alg()
            .map_err(|e| OidcError::IdToken(e.to_string()))?;
        let key = id_token
            .signing_key(&verifier)
            .map_err(|e| OidcError::IdToken(e.to_string()))?;
        let got = AccessTokenHash::from_token(tokens.access_token(), alg, key)
            .map_err(|e| OidcError::IdToken(e.to_string()))?;
        if got != *want {
            return Err(OidcError::IdToken(
                "its access-token hash does not match".into(),
            ));
        }
    }
    Ok(Identity {
        subject: claims.subject().as_str().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: &str, issuer: &str) -> ProviderSettings {
        ProviderSettings {
            id: id.into(),
            name: "County ID".into(),
            issuer: issuer.into(),
            client_id: "fieldlog".into(),
            organization_id: uuid::Uuid::nil(),
        }
    }

    /// A provider whose settings could not work is refused at start, with
    /// what to change, rather than at its first sign-in.
    #[test]
    fn settings_are_checked_before_the_server_starts() {
        let dir = std::env::temp_dir().join(format!("fieldlog-oidc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(secret_file(&dir, "county"), "s").expect("secret");
        let good = provider("county", "https://id.county.example");
        let cases: Vec<(&str, Vec<ProviderSettings>, Option<&str>)> = vec![
            ("none", vec![], None),
            ("one, with its secret", vec![good.clone()], None),
            (
                "an id that is no path segment",
                vec![provider("County ID", "https://x.example")],
                Some("lower-case"),
            ),
            (
                "an id twice",
                vec![good.clone(), good.clone()],
                Some("twice"),
            ),
            (
                "an issuer that is no URL",
                vec![provider("county", "id.county")],
                Some("issuer"),
            ),
            (
                "no secret file",
                vec![provider("city", "https://id.city.example")],
                Some("oidc-city.secret"),
            ),
            (
                "plain http elsewhere",
                vec![provider("county", "http://id.county.example")],
                Some("https"),
            ),
            (
                "plain http on this machine",
                vec![provider("county", "http://127.0.0.1:4000")],
                None,
            ),
        ];
        for (what, providers, problem) in cases {
            let got = check(&providers, &dir);
            match problem {
                None => assert_eq!(got, Ok(()), "{what}"),
                Some(p) => assert!(
                    got.as_ref().is_err_and(|e| e.contains(p)),
                    "{what}: {got:?}"
                ),
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
