//! Issue 21: the public form works as a plain HTML form, with no script and
//! no account, in the browser's language; its problems come back beside
//! their fields with what was typed kept; a robot filling the honeypot is
//! thanked and its filing dropped.

use fieldlog_tests::{Db, TestServer};

/// A public page fetched as a browser in `lang` asks for it.
pub(super) async fn page(
    s: &TestServer,
    path: &str,
    lang: &str,
) -> anyhow::Result<(u16, String, reqwest::header::HeaderMap)> {
    let r = s
        .http
        .get(s.url(path))
        .header("accept-language", lang)
        .send()
        .await?;
    let (st, headers) = (r.status().as_u16(), r.headers().clone());
    Ok((st, r.text().await?, headers))
}

async fn post_form(s: &TestServer, fields: &[(&str, &str)]) -> anyhow::Result<(u16, String)> {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let r = s
        .http
        .post(s.url("/public/complaints"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    Ok((r.status().as_u16(), r.text().await?))
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn between<'a>(html: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = html.find(before)? + before.len();
    let len = html[start..].find(after)?;
    Some(&html[start..start + len])
}

#[tokio::test]
async fn a_parent_files_on_the_plain_form_in_spanish_and_checks_its_status() -> anyhow::Result<()> {
    for db in Db::all() {
        let s = TestServer::start(&db).await?;
        let name = db.name();
        let (st, es, headers) = page(&s, "/public/complaints", "es-MX,es;q=0.9,en;q=0.5").await?;
        assert_eq!(st, 200, "{name}");
        assert!(
            es.contains(r#"<html lang="es">"#) && es.contains("¿Qué desea enviar?"),
            "{name}: {es}"
        );
        assert_eq!(headers["cache-control"], "no-store", "{name}");
        assert!(headers.contains_key("content-security-policy"), "{name}");
        let (_, en, _) = page(&s, "/public/complaints?lang=en-US", "es").await?;
        assert!(
            en.contains("What would you like to send?"),
            "{name}: the lang parameter wins"
        );
        let (_, fr, _) = page(&s, "/public/complaints", "fr-FR").await?;
        assert!(
            fr.contains(r#"<html lang="en-US">"#),
            "{name}: an unknown language falls back to English"
        );

        // Problems come back on the form, in Spanish, with what was typed.
        let (st, again) = post_form(
            &s,
            &[
                ("lang", "es"),
                ("kind", "complaint"),
                ("description", "  "),
                ("contact_email", "padre@casa"),
                ("contact_name", "Ana <b>Ruiz</b>"),
            ],
        )
        .await?;
        assert_eq!(st, 422, "{name}: {again}");
        assert!(
            again.contains("Por favor, diga qué pasó."),
            "{name}: {again}"
        );
        assert!(
            again.contains("No parece una dirección de correo electrónico."),
            "{name}"
        );
        assert!(
            again.contains(r#"value="padre@casa""#),
            "{name}: the email typed is kept"
        );
        assert!(
            again.contains("Ana &lt;b&gt;Ruiz&lt;/b&gt;"),
            "{name}: what was typed is escaped"
        );
        assert!(
            between(&again, r#"id="description""#, ">")
                .is_some_and(|a| a.contains(r#"aria-invalid="true""#)),
            "{name}"
        );

        let (st, done) = post_form(
            &s,
            &[
                ("lang", "es"),
                ("kind", "complaint"),
                ("description", "El oficial gritó a mi hija."),
                ("race", "hispanic_latino"),
                ("english_learner", "yes"),
                ("website", ""),
            ],
        )
        .await?;
        assert_eq!(st, 201, "{name}: {done}");
        let code = between(&done, r#"data-testid="tracking-code">"#, "<")
            .unwrap_or_default()
            .to_owned();
        assert_eq!(code.len(), 19, "{name}: {done}");
        let (st, status, _) = page(
            &s,
            &format!("/public/complaints/status?lang=es&code={code}"),
            "es",
        )
        .await?;
        assert_eq!(st, 200, "{name}");
        assert!(status.contains("Recibido"), "{name}: {status}");
        let (st, unknown, _) = page(
            &s,
            "/public/complaints/status?lang=es&code=ZZZZ-ZZZZ-ZZZZ-ZZZZ",
            "es",
        )
        .await?;
        assert_eq!(st, 404, "{name}");
        assert!(unknown.contains("No encontramos"), "{name}");

        // A robot fills the honeypot: thanked, not kept.
        let (st, _) = post_form(
            &s,
            &[
                ("kind", "complaint"),
                ("description", "Buy cheap watches"),
                ("website", "http://spam.example"),
            ],
        )
        .await?;
        assert_eq!(st, 200, "{name}");
        let lt = s.login("lt.reyes").await?;
        let (_, list) = s.get(Some(&lt.token), "/api/v1/complaints").await?;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{name}: {list}");

        let r = s.http.get(s.url("/public/public.css")).send().await?;
        assert!(
            r.headers()["content-type"]
                .to_str()?
                .starts_with("text/css"),
            "{name}"
        );
    }
    Ok(())
}
