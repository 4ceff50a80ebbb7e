//! The public pages (issue 21): a form anyone can use, on any phone and
//! without JavaScript or an account, to send a complaint, a compliment or
//! feedback, and a page to check on it by tracking code. Both share
//! `public_complaints::file` and `status` with the JSON API.
//!
//! Words come from Fluent files (`server/locales/<language>/public.ftl`,
//! through fluent-templates, compiled in): a language is a folder of data,
//! and the page offers every folder there is. The language is the `lang`
//! parameter, else the browser's Accept-Language (fluent-langneg), else
//! English. HTML is written with maud, which escapes every value.

mod form;
pub(super) mod transparency;
pub use transparency::{latest as transparency_latest, year_page as transparency_page};

use super::AppState;
use super::error::ApiError;
use super::public_complaints::{address_key, file, status};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use std::net::SocketAddr;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // No Unicode isolation marks around arguments: they show in HTML.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The page's words in one language.
pub(super) struct Words {
    lang: LanguageIdentifier,
}

impl Words {
    /// `lang` if offered, else the best of Accept-Language, else English.
    fn choose(lang: Option<&str>, headers: &HeaderMap) -> Self {
        let offered: Vec<LanguageIdentifier> = LOCALES.locales().cloned().collect();
        let fallback: LanguageIdentifier = "en-US".parse().unwrap_or_default();
        let asked = lang
            .map(str::to_owned)
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let requested = fluent_langneg::accepted_languages::parse(&asked);
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &offered,
            Some(&fallback),
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        Self {
            lang: chosen.first().map(|l| (*l).clone()).unwrap_or(fallback),
        }
    }

    pub(super) fn t(&self, id: &str) -> String {
        LOCALES.lookup(&self.lang, id)
    }

    pub(super) fn tag(&self) -> String {
        self.lang.to_string()
    }
}

/// The frame of every public page: the language switcher, the title, the body.
fn page(words: &Words, path: &str, title: &str, body: Markup) -> Markup {
    let mut offered: Vec<LanguageIdentifier> = LOCALES.locales().cloned().collect();
    offered.sort_by_key(|l| l.to_string());
    html! {
        (DOCTYPE)
        html lang=(words.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (words.t("site-name")) }
                link rel="stylesheet" href="/public/public.css";
            }
            body {
                header {
                    p.site { (words.t("site-name")) }
                    nav aria-label="Language / Idioma" {
                        ul.languages {
                            @for l in &offered {
                                @let name = LOCALES.lookup(l, "language-name");
                                li {
                                    @if *l == words.lang {
                                        span aria-current="true" lang=(l.to_string()) { (name) }
                                    } @else {
                                        a href={ (path) "?lang=" (l.to_string()) } lang=(l.to_string()) hreflang=(l.to_string()) { (name) }
                                    }
                                }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
                footer {
                    nav aria-label=(words.t("nav-public")) {
                        ul.public-links {
                            li { a href={ "/public/transparency?lang=" (words.tag()) } { (words.t("nav-figures")) } }
                            li { a href={ "/public/complaints?lang=" (words.tag()) } { (words.t("file-another")) } }
                        }
                    }
                }
            }
        }
    }
}

/// An HTML answer the browser and proxies keep nowhere: a tracking code is
/// shown on it, perhaps on a shared computer.
fn answer(status: StatusCode, markup: Markup) -> Response {
    let mut r = (status, markup.into_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// `GET /public/complaints`: the form.
pub async fn form_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let words = Words::choose(q.lang.as_deref(), &headers);
    let schools = state.store.schools().await?;
    let body = form::render(&words, &schools, &form::Fields::default(), &[]);
    Ok(answer(
        StatusCode::OK,
        page(&words, "/public/complaints", &words.t("file-title"), body),
    ))
}

/// `POST /public/complaints`: the form sent. Its problems come back on the
/// form, each beside its field; a filled honeypot is thanked and dropped.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(fields): axum::Form<form::Fields>,
) -> Result<Response, ApiError> {
    // A form posted from another site's page is not a person on ours (the
    // browser says so); such a page could make each visitor file for it.
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(ApiError::Forbidden);
    }
    let words = Words::choose(fields.lang.as_deref(), &headers);
    let title = words.t("thanks-title");
    if fields.website.as_deref().is_some_and(|w| !w.is_empty()) {
        let body = html! { p { (words.t("thanks-keep")) } };
        return Ok(answer(
            StatusCode::OK,
            page(&words, "/public/complaints", &title, body),
        ));
    }
    let schools = state.store.schools().await?;
    let again = |problems: &[form::Problem]| {
        let body = form::render(&words, &schools, &fields, problems);
        page(&words, "/public/complaints", &words.t("file-title"), body)
    };
    let filing = match fields.filing() {
        Ok(f) => f,
        Err(problems) => return Ok(answer(StatusCode::UNPROCESSABLE_ENTITY, again(&problems))),
    };
    match file(&state, &address_key(&state, peer), filing).await {
        Ok(code) => {
            let lang = words.tag();
            let body = html! {
                p { (words.t("thanks-code")) }
                p.code data-testid="tracking-code" { (code) }
                p { (words.t("thanks-keep")) }
                p { a href={ "/public/complaints/status?lang=" (lang) "&code=" (code) } { (words.t("thanks-next")) } }
            };
            Ok(answer(
                StatusCode::CREATED,
                page(&words, "/public/complaints", &title, body),
            ))
        }
        Err(ApiError::Field { field, .. }) if field == "school_id" => Ok(answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            again(&[form::Problem::school()]),
        )),
        Err(ApiError::TooMany { .. }) => {
            let body = html! { p role="alert" { (words.t("too-many")) } };
            Ok(answer(
                StatusCode::TOO_MANY_REQUESTS,
                page(&words, "/public/complaints", &words.t("file-title"), body),
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct StatusQuery {
    lang: Option<String>,
    code: Option<String>,
}

/// `GET /public/complaints/status`: the code asked for, and its status.
pub async fn status_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<StatusQuery>,
) -> Result<Response, ApiError> {
    let words = Words::choose(q.lang.as_deref(), &headers);
    let code = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let (found, code_status) = match code {
        None => (None, StatusCode::OK),
        Some(c) => match status(&state, &address_key(&state, peer), c).await {
            Ok(Some(s)) => (Some(Some(s)), StatusCode::OK),
            Ok(None) => (Some(None), StatusCode::NOT_FOUND),
            Err(ApiError::TooMany { .. }) => {
                let body = html! { p role="alert" { (words.t("too-many")) } };
                let title = words.t("status-title");
                return Ok(answer(
                    StatusCode::TOO_MANY_REQUESTS,
                    page(&words, "/public/complaints/status", &title, body),
                ));
            }
            Err(e) => return Err(e),
        },
    };
    let body = html! {
        @match &found {
            Some(Some(s)) => {
                dl.status data-testid="status" {
                    dt { (words.t("status-is")) }
                    dd { (words.t(&format!("status-{}", s.status))) }
                    dt { (words.t("status-updated")) }
                    dd { time datetime=(s.updated_at) { (s.updated_at.get(..10).unwrap_or_default()) } }
                }
            }
            Some(None) => { p role="alert" { (words.t("status-unknown")) } }
            None => {}
        }
        form method="get" action="/public/complaints/status" {
            input type="hidden" name="lang" value=(words.tag());
            label for="code" { (words.t("status-code")) }
            input #code name="code" value=(code.unwrap_or_default()) autocomplete="off" autocapitalize="characters" spellcheck="false" required;
            button type="submit" { (words.t("status-check")) }
        }
    };
    Ok(answer(
        code_status,
        page(
            &words,
            "/public/complaints/status",
            &words.t("status-title"),
            body,
        ),
    ))
}

/// `GET /public/public.css`: the pages' one stylesheet (the CSP allows no
/// inline style).
pub async fn css() -> Response {
    let mut r = include_str!("public_page/public.css").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}
