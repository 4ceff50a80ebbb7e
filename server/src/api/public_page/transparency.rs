//! The public transparency page (issue 20; 003 p1, p7): a closed school
//! year's figures for the district, for anyone, on a phone, without an
//! account, as HTML with charts beside its tables or as CSV.
//!
//! Every count is one the analysts' report publishes for the same year
//! (the year's family, school-record demographics, one-way tables), so it
//! is suppressed exactly as theirs are and the differencing defence holds:
//! whole closed years only, and the year's tables suppressed together. The
//! staff requests are the one figure analysts do not get; they are a chain
//! under the grand total, suppressed by `client_core::report::StaffRequests`.
//!
//! Nothing identifies a student here, so a read does not write the access
//! log: an anonymous page that wrote it could be used to flood it.

use super::{LangQuery, Words, page};
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::reports::kept_family;
use crate::api::sheet::{Sheet, attachment};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use client_core::report::{Cell, Dimension, Measure, Outcome, StaffRequests, Year, per_100};
use client_core::school_year::SchoolYear;
use client_core::vocabulary::Source;
use maud::{Markup, html};

/// What the page counts, in its order: interactions, then what they led to.
const MEASURES: [Measure; 6] = [
    Measure::Interactions,
    Measure::Outcome(Outcome::Arrest),
    Measure::Outcome(Outcome::Citation),
    Measure::Outcome(Outcome::ReferralToLawEnforcement),
    Measure::Outcome(Outcome::UseOfForce),
    Measure::Outcome(Outcome::Restraint),
];

/// What the page breaks them down by (003 p7; 004 Data 1.a).
const DIMENSIONS: [Dimension; 4] = [
    Dimension::RaceEthnicity,
    Dimension::Sex,
    Dimension::Disability,
    Dimension::EnglishLearner,
];

/// Closed years the page links to, newest first.
const YEARS_LISTED: usize = 5;

/// A category and its cells, one per measure.
type Row = (&'static str, Vec<Cell>);

/// One year's published figures.
struct Figures {
    year: SchoolYear,
    threshold: u64,
    requests: StaffRequests,
    /// Each measure's district total.
    totals: Vec<Cell>,
    /// Per dimension: each category and its cells, one per measure.
    by: Vec<(Dimension, Vec<Row>)>,
}

fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Interactions => "interactions",
        Measure::Outcome(o) => o.as_str(),
    }
}

fn figures(
    year: SchoolYear,
    threshold: u64,
    family: &Year,
    requested: u64,
    not_safety: u64,
) -> Result<Figures, ApiError> {
    let table = |d: Dimension, m: Measure| {
        family
            .table(Source::SchoolRecord, d, None, m)
            .ok_or_else(|| ApiError::Internal("no school-record tables".into()))
    };
    let mut totals = Vec::new();
    for m in MEASURES {
        totals.push(table(Dimension::RaceEthnicity, m)?.total);
    }
    let mut by = Vec::new();
    for d in DIMENSIONS {
        let tables = MEASURES
            .iter()
            .map(|m| table(d, *m))
            .collect::<Result<Vec<_>, _>>()?;
        let rows = d
            .categories()
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c, tables.iter().map(|t| t.cells[i][0]).collect()))
            .collect();
        by.push((d, rows));
    }
    Ok(Figures {
        year,
        threshold,
        requests: StaffRequests::beside(family, requested, not_safety, threshold),
        totals,
        by,
    })
}

/// The year's figures: its family and staff requests, each computed once
/// per process (`PublishedYears`), so a busy public page costs one lookup.
async fn load(state: &AppState, year: SchoolYear) -> Result<Figures, ApiError> {
    let threshold = state.settings.report_min_cell;
    let (from, to, cutoff) = (year.start(), year.end(), year.cutoff());
    let family = kept_family(state, year).await?;
    let counts = state
        .staff_requests
        .family(year, threshold, async {
            state
                .store
                .staff_requests(
                    Source::SchoolRecord.as_str(),
                    from.millis(),
                    to.millis(),
                    cutoff.millis(),
                )
                .await
        })
        .await?;
    let n = |x: Option<i64>| x.unwrap_or(0).max(0) as u64;
    figures(
        year,
        threshold,
        &family,
        n(counts.requested),
        n(counts.not_safety),
    )
}

/// A page every visitor sees alike: caches may keep it for a while.
fn public(status: StatusCode, body: String, kind: &'static str) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    // Without `lang` the words follow Accept-Language: a shared cache must
    // not hand one reader's language to another.
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    r
}

/// `GET /public/transparency`: the newest closed year.
pub async fn latest(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let year = SchoolYear::latest_closed(crate::api::now());
    let lang = Words::choose(q.lang.as_deref(), &headers).tag();
    let to = format!("/public/transparency/{year}?lang={lang}");
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

/// `GET /public/transparency/{school_year}` (HTML) and
/// `/public/transparency/{school_year}.csv`.
pub async fn year_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(asked): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let words = Words::choose(q.lang.as_deref(), &headers);
    let (name, csv) = match asked.strip_suffix(".csv") {
        Some(n) => (n, true),
        None => (asked.as_str(), false),
    };
    let now = crate::api::now();
    // Only the years the page lists: each is computed once and kept, and
    // a visitor cycling through every year since 1970 would push the
    // analysts' years out of the cache (and read years before the
    // program began as zeros).
    let newest = SchoolYear::latest_closed(now);
    let listed = SchoolYear::reportable(name, now)
        .ok()
        .filter(|y| listed_years(newest).contains(y));
    let year = match listed {
        Some(y) => y,
        None if csv => return Err(ApiError::NotFound),
        None => {
            let body = html! {
                p role="alert" { (words.t("tr-no-year")) }
                (years_nav(&words, SchoolYear::latest_closed(now), None))
            };
            let title = words.t("tr-title");
            let markup = page(&words, "/public/transparency", &title, body);
            return Ok(public(
                StatusCode::NOT_FOUND,
                markup.into_string(),
                "text/html; charset=utf-8",
            ));
        }
    };
    let f = load(&state, year).await?;
    if csv {
        return Ok(attachment(
            sheet(&f)?,
            &format!("fieldlog-transparency-{year}.csv"),
        ));
    }
    let path = format!("/public/transparency/{year}");
    let title = format!("{}, {year}", words.t("tr-title"));
    let body = render(&words, &f, SchoolYear::latest_closed(now));
    Ok(public(
        StatusCode::OK,
        page(&words, &path, &title, body).into_string(),
        "text/html; charset=utf-8",
    ))
}

/// A published count, or the dash that says it is withheld.
fn count(words: &Words, c: Cell) -> Markup {
    match c.count {
        Some(n) => html! { td data-count=(n) { (n) } },
        None => html! {
            td data-count="withheld" { span aria-hidden="true" { "—" } span.sr-only { (words.t("tr-withheld")) } }
        },
    }
}

fn share(p: Option<u64>) -> String {
    p.map_or_else(|| "—".into(), |p| format!("{p}%"))
}

/// The closed years the page serves, newest first.
fn listed_years(newest: SchoolYear) -> Vec<SchoolYear> {
    std::iter::successors(Some(newest), |y| Some(y.previous()))
        .take(YEARS_LISTED)
        .collect()
}

fn years_nav(words: &Words, newest: SchoolYear, current: Option<SchoolYear>) -> Markup {
    let years = listed_years(newest);
    html! {
        nav aria-labelledby="other-years" {
            h2 #other-years { (words.t("tr-years")) }
            ul.years {
                @for y in years {
                    li {
                        @if Some(y) == current {
                            span aria-current="page" { (y) }
                        } @else {
                            a href={ "/public/transparency/" (y) "?lang=" (words.tag()) } { (y) }
                        }
                    }
                }
            }
        }
    }
}

/// Bars of each category's interactions, beside the table that has the
/// numbers (the chart is hidden from screen readers, which read the table).
fn chart(words: &Words, d: Dimension, rows: &[Row]) -> Markup {
    let most = rows
        .iter()
        .filter_map(|(_, c)| c[0].count)
        .max()
        .unwrap_or(0)
        .max(1);
    html! {
        figure.chart aria-hidden="true" {
            figcaption { (words.t("tr-chart")) }
            div.bars {
                @for (cat, cells) in rows {
                    div.bar-row {
                        span.bar-label { (words.t(&format!("{}-{cat}", d.as_str()))) }
                        @match cells[0].count {
                            Some(n) => {
                                svg.bar viewBox="0 0 1000 10" preserveAspectRatio="none" focusable="false" {
                                    rect width=(n * 1000 / most) height="10" {}
                                }
                            }
                            None => { span.bar-withheld { "—" } }
                        }
                    }
                }
            }
        }
    }
}

fn render(words: &Words, f: &Figures, newest: SchoolYear) -> Markup {
    let r = &f.requests;
    let per_100 =
        |c: Cell| per_100(c, f.totals[0]).map_or_else(|| "—".into(), |r| format!("{r:.1}"));
    html! {
        p { (words.t("tr-intro")) }
        p { (words.t("tr-unit")) }
        p.legend { (words.t("tr-legend-before")) " " (f.threshold) (words.t("tr-legend-after")) }
        section aria-labelledby="requests" {
            h2 #requests { (words.t("tr-requests")) }
            table.figures {
                thead { tr { th scope="col" { (words.t("tr-who")) } th scope="col" { (words.t("tr-count")) } th scope="col" { (words.t("tr-share")) } } }
                tbody {
                    tr { th scope="row" { (words.t("measure-interactions")) } (count(words, r.interactions)) td {} }
                    tr { th scope="row" { (words.t("tr-requested")) } (count(words, r.requested)) td { (share(r.requested_percent())) } }
                    tr { th scope="row" { (words.t("tr-not-safety")) } (count(words, r.not_safety)) td { (share(r.not_safety_percent())) } }
                }
            }
            p { (words.t("tr-not-safety-means")) }
        }
        section aria-labelledby="outcomes" {
            h2 #outcomes { (words.t("tr-outcomes")) }
            table.figures {
                thead { tr { th scope="col" { (words.t("tr-what")) } th scope="col" { (words.t("tr-count")) } th scope="col" { (words.t("tr-per-100")) } } }
                tbody {
                    @for (m, c) in MEASURES.iter().zip(&f.totals).skip(1) {
                        tr { th scope="row" { (words.t(&format!("measure-{}", measure_name(*m)))) } (count(words, *c)) td { (per_100(*c)) } }
                    }
                }
            }
        }
        @for (d, rows) in &f.by {
            @let id = d.as_str();
            section aria-labelledby=(id) {
                h2 id=(id) { (words.t(&format!("tr-by-{id}"))) }
                (chart(words, *d, rows))
                div.scroll role="region" aria-label=(words.t(&format!("tr-table-{id}"))) tabindex="0" {
                    table.figures {
                        thead {
                            tr {
                                th scope="col" { (words.t(&format!("tr-dim-{id}"))) }
                                @for m in MEASURES { th scope="col" { (words.t(&format!("measure-{}", measure_name(m)))) } }
                            }
                        }
                        tbody {
                            @for (cat, cells) in rows {
                                tr {
                                    th scope="row" { (words.t(&format!("{id}-{cat}"))) }
                                    @for c in cells { (count(words, *c)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href={ "/public/transparency/" (f.year) ".csv" } download { (words.t("tr-csv")) } }
        (years_nav(words, newest, Some(f.year)))
    }
}

/// The year's published figures as (dimension, category:measure, count):
/// what the annual assessment's download carries beside its own tables.
pub(in crate::api) async fn lines(
    state: &AppState,
    year: SchoolYear,
) -> Result<Vec<(String, String, Cell)>, ApiError> {
    let f = load(state, year).await?;
    let r = &f.requests;
    let mut out = vec![
        ("all".into(), "all:interactions".into(), r.interactions),
        ("all".into(), "all:requested_by_staff".into(), r.requested),
        (
            "all".into(),
            "all:requested_not_safety_matter".into(),
            r.not_safety,
        ),
    ];
    for (m, c) in MEASURES.iter().zip(&f.totals).skip(1) {
        out.push(("all".into(), format!("all:{}", measure_name(*m)), *c));
    }
    for (d, rows) in &f.by {
        for (cat, cells) in rows {
            for (m, c) in MEASURES.iter().zip(cells) {
                out.push((d.as_str().into(), format!("{cat}:{}", measure_name(*m)), *c));
            }
        }
    }
    Ok(out)
}

/// The same figures, one per line: a withheld count is empty and marked.
fn sheet(f: &Figures) -> Result<Vec<u8>, ApiError> {
    let mut w = Sheet::new(&[
        "school_year",
        "scope",
        "dimension",
        "category",
        "measure",
        "count",
        "suppressed",
    ])?;
    let year = f.year.to_string();
    let mut line = |dim: &str, cat: &str, measure: &str, c: Cell| {
        let n = c.count.map(|n| n.to_string()).unwrap_or_default();
        let s = if c.count.is_some() { "no" } else { "yes" };
        w.row(&[year.as_str(), "district", dim, cat, measure, &n, s])
    };
    let r = &f.requests;
    line("all", "all", "interactions", r.interactions)?;
    line("all", "all", "requested_by_staff", r.requested)?;
    line("all", "all", "requested_not_safety_matter", r.not_safety)?;
    for (m, c) in MEASURES.iter().zip(&f.totals).skip(1) {
        line("all", "all", measure_name(*m), *c)?;
    }
    for (d, rows) in &f.by {
        for (cat, cells) in rows {
            for (m, c) in MEASURES.iter().zip(cells) {
                line(d.as_str(), cat, measure_name(*m), *c)?;
            }
        }
    }
    w.finish()
}
