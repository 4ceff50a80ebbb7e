//! The real OpenID provider of the sign-in stories: node's `oidc-provider`
//! (`tests/idp/provider.mjs`, installed by `cargo xtask test`), and a
//! browser-like client that walks its pages as a person would.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The client secret the provider and Fieldlog share in the stories.
pub const SECRET: &str = "idp-story-secret-4f1c9a7e2b";

pub struct Idp {
    pub issuer: String,
    child: Child,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Idp {
    /// Starts the provider, whose client `fieldlog` may come back to
    /// `/api/v1/auth/oidc/{provider}/callback` on any loopback port.
    pub fn start(provider: &str) -> Result<Self> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("idp");
        if !dir.join("node_modules/oidc-provider").exists() {
            bail!(
                "the test identity provider is not installed: run `npm ci` in {} (cargo xtask test does)",
                dir.display()
            );
        }
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .env("IDP_CLIENT_SECRET", SECRET)
            .env(
                "IDP_CALLBACK_PATH",
                format!("/api/v1/auth/oidc/{provider}/callback"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting node tests/idp/provider.mjs")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("IdP listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let issuer = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .context("the identity provider did not start")?;
        Ok(Self { issuer, child })
    }

    /// The `FIELDLOG_OIDC` setting for this provider.
    pub fn setting(&self, id: &str, organization: &str) -> String {
        format!(
            "[{{ id = \"{id}\", name = \"County ID\", issuer = \"{}\", client_id = \"fieldlog\", organization_id = \"{organization}\" }}]",
            self.issuer
        )
    }
}

/// A browser: its own cookies, and redirects followed one at a time.
pub fn browser() -> reqwest::Client {
    crate::install_crypto();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

fn location(base: &reqwest::Url, r: &reqwest::Response) -> Result<reqwest::Url> {
    let to = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .with_context(|| format!("{} answered {} without a location", r.url(), r.status()))?;
    Ok(base.join(to)?)
}

/// From Fieldlog's start address, through the provider's login page (as
/// `login`), to the address the provider sends the browser back to
/// (Fieldlog's callback, not yet visited).
pub async fn sign_in_at_provider(
    browser: &reqwest::Client,
    start: &str,
    login: &str,
) -> Result<String> {
    let mut url = reqwest::Url::parse(start)?;
    for _ in 0..12 {
        if url.path().ends_with("/callback") {
            return Ok(url.to_string());
        }
        let r = browser.get(url.clone()).send().await?;
        if r.status().is_redirection() {
            url = location(&url, &r)?;
            continue;
        }
        // A page with one form: the login (name and password), or the
        // consent the provider asks of a native client (Continue).
        let page = r.text().await?;
        let form = page
            .split("<form")
            .nth(1)
            .and_then(|f| f.split("</form>").next())
            .with_context(|| format!("the provider showed a page without a form: {page}"))?;
        let attr = |tag: &str, name: &str| {
            tag.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|a| a.split('"').next())
                .map(str::to_owned)
        };
        let action = attr(form, "action").context("the form has no action")?;
        let mut fields: Vec<(String, String)> = form
            .split("<input")
            .skip(1)
            .filter(|i| i.contains("type=\"hidden\""))
            .filter_map(|i| Some((attr(i, "name")?, attr(i, "value")?)))
            .collect();
        if form.contains("name=\"login\"") {
            fields.push(("login".into(), login.into()));
            fields.push(("password".into(), "any".into()));
        }
        let post = url.join(&action)?;
        let r = browser.post(post.clone()).form(&fields).send().await?;
        url = location(&post, &r)?;
    }
    bail!("the sign-in went round in circles")
}

/// Visits Fieldlog's callback; returns the fragment the app is sent to
/// (`oidc=<ticket>` or `oidc-error=<code>`).
pub async fn come_back(browser: &reqwest::Client, callback: &str) -> Result<String> {
    let r = browser.get(callback).send().await?;
    if r.status() != 303 {
        bail!("the callback answered {}: {}", r.status(), r.text().await?);
    }
    let to = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    to.strip_prefix("/#")
        .map(str::to_owned)
        .with_context(|| format!("the callback sent the browser to {to}"))
}
