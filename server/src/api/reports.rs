//! `GET /reports/disaggregated` (DOMAIN.md section 6): counts and rates of
//! student interactions and their outcomes, by one or two reporting
//! dimensions, from one demographic source at a time, suppressed by
//! `client_core::report::suppress`; as JSON, as CSV (`Accept: text/csv`), or
//! in the Civil Rights Data Collection's shape (`shape=crdc`, always CSV).

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;
use super::scope::require_grant;
use super::sheet::Sheet;
use crate::store::{Store, StoreError};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use client_core::Timestamp;
use client_core::access::Action;
use client_core::report::{Cell, Dimension, Measure, Outcome, Published, Year, per_100};
use client_core::school_year::SchoolYear;
use client_core::vocabulary::Source;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// The school year reported, `YYYY-YY` (1 July to 30 June, UTC), once
    /// closed: 30 days after it ends, counting the records the server had
    /// received as submitted by then; default the newest closed one.
    /// Reports cover whole school years only, so that no two answers can be
    /// differenced.
    pub school_year: Option<String>,
    /// No longer accepted (422 naming the field): a report over any range
    /// let two answers a second apart be differenced. Use `school_year`.
    pub from: Option<String>,
    /// No longer accepted (422 naming the field); use `school_year`.
    pub to: Option<String>,
    /// One outcome (`search`, `citation`, `referral_to_law_enforcement`,
    /// `arrest`, `restraint`, `physical_restraint`, `mechanical_restraint`,
    /// `use_of_force`); every outcome when absent. Interactions are always
    /// reported: they are the rates' denominator.
    pub outcome: Option<String>,
    /// One or two dimensions, comma-separated: `race_ethnicity`, `sex`,
    /// `age_band`, `disability`, `english_learner`, `offense`. Default
    /// `race_ethnicity`.
    pub by: Option<String>,
    /// `school_record` (default) or `perceived`; never mixed.
    pub source: Option<String>,
    /// `crdc` for the Civil Rights Data Collection's shape (CSV).
    pub shape: Option<String>,
}

/// One measure's table.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Table {
    /// `interactions` or an outcome.
    pub measure: String,
    #[schema(value_type = Object)]
    pub published: Published,
    /// Per 100 interactions of the same group, where both counts are
    /// published (absent for the interactions table).
    pub rates_per_100: Option<Vec<Vec<Option<f64>>>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Report {
    /// The school year reported, e.g. `2025-26`.
    pub school_year: String,
    /// The year's first instant.
    pub from: String,
    /// The next year's first instant (exclusive).
    pub to: String,
    /// Which demographic values were counted: `school_record` or `perceived`.
    pub source: String,
    pub by: Vec<String>,
    /// The categories of `by[0]`: the tables' rows.
    pub rows: Vec<String>,
    /// The categories of `by[1]`, or `["all"]`: the tables' columns.
    pub cols: Vec<String>,
    /// Counts from 1 to `threshold - 1` are suppressed.
    pub threshold: u64,
    /// What is counted: one student in one submitted record.
    pub unit: String,
    pub tables: Vec<Table>,
}

fn field(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::Field {
        code: "invalid_field",
        field: name.into(),
        message: message.into(),
    }
}

fn parse_by(v: Option<&str>) -> Result<Vec<Dimension>, ApiError> {
    let v = v.unwrap_or("race_ethnicity");
    let dims: Vec<Dimension> = v
        .split(',')
        .map(|d| {
            Dimension::parse(d.trim()).ok_or_else(|| {
                field(
                    "by",
                    format!(
                        "{d:?} is not a dimension; use {}",
                        Dimension::ALL
                            .iter()
                            .map(|d| d.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    if dims.len() > 2 || (dims.len() == 2 && dims[0] == dims[1]) {
        return Err(field("by", "one dimension or two different ones"));
    }
    Ok(dims)
}

/// The school year asked for. A range is refused by name: reports cover
/// whole, ended school years only (`client_core::school_year`).
fn school_year(q: &ReportQuery) -> Result<SchoolYear, ApiError> {
    for (name, v) in [("from", &q.from), ("to", &q.to)] {
        if v.is_some() {
            return Err(field(
                name,
                "reports cover whole school years, not ranges: use school_year=YYYY-YY (e.g. 2025-26)",
            ));
        }
    }
    let now = super::now();
    match q.school_year.as_deref() {
        None => Ok(SchoolYear::latest_closed(now)),
        Some(v) => SchoolYear::reportable(v, now).map_err(|e| field("school_year", e.to_string())),
    }
}

fn parse_source(v: Option<&str>) -> Result<Source, ApiError> {
    match v.map(Source::parse) {
        None => Ok(Source::SchoolRecord),
        Some(Some(s @ (Source::SchoolRecord | Source::Perceived))) => Ok(s),
        // Self-reported values (SOGI) are never projected for reports.
        _ => Err(field("source", "school_record or perceived")),
    }
}

/// Every table of the year, both sources, suppressed as one family
/// (`client_core::report::Year`): an answer's totals are margins every
/// other answer shares, so they are decided from all of the year's counts.
pub async fn year_family(
    store: &Store,
    from: Timestamp,
    to: Timestamp,
    cutoff: Timestamp,
    threshold: u64,
) -> Result<Year, StoreError> {
    let sources = [Source::SchoolRecord, Source::Perceived];
    let mut cubes = Vec::new();
    for source in sources {
        let cube = store
            .report_cube(source.as_str(), from.millis(), to.millis(), cutoff.millis())
            .await?;
        cubes.push((source, cube));
    }
    Ok(Year::suppress(threshold, &sources, |s, a, b| {
        cubes
            .iter()
            .find(|(source, _)| *source == s)
            .map(|(_, cube)| cube.grids(a, b))
            .unwrap_or_default()
    }))
}

/// The family of a closed `year`, kept once computed (`PublishedYears`):
/// what every report and the public page answer from. A year counts only
/// what the server received as submitted by its cutoff, so it never
/// changes once closed.
pub async fn kept_family(
    state: &AppState,
    year: SchoolYear,
) -> Result<std::sync::Arc<Year>, ApiError> {
    let threshold = state.settings.report_min_cell;
    let (from, to, cutoff) = (year.start(), year.end(), year.cutoff());
    Ok(state
        .years
        .family(
            year,
            threshold,
            year_family(&state.store, from, to, cutoff, threshold),
        )
        .await?)
}

/// One of the year's tables.
fn year_table(
    year: &Year,
    source: Source,
    by: &[Dimension],
    measure: Measure,
) -> Result<Published, ApiError> {
    year.table(source, by[0], by.get(1).copied(), measure)
        .ok_or_else(|| ApiError::Internal(format!("no {} tables", source.as_str())))
}

/// The published tables of a report by `by` from the year's family:
/// interactions, then each of `outcomes`, with rates against the
/// interactions table.
fn family_tables(
    year: &Year,
    source: Source,
    by: &[Dimension],
    outcomes: &[Outcome],
) -> Result<Vec<Table>, ApiError> {
    let base = year_table(year, source, by, Measure::Interactions)?;
    let mut out = vec![Table {
        measure: "interactions".into(),
        published: base.clone(),
        rates_per_100: None,
    }];
    for o in outcomes {
        let p = year_table(year, source, by, Measure::Outcome(*o))?;
        out.push(Table {
            measure: o.as_str().into(),
            rates_per_100: Some(rates(&p, &base)),
            published: p,
        });
    }
    Ok(out)
}

fn rates(p: &Published, base: &Published) -> Vec<Vec<Option<f64>>> {
    p.cells
        .iter()
        .zip(&base.cells)
        .map(|(row, brow)| row.iter().zip(brow).map(|(c, b)| per_100(*c, *b)).collect())
        .collect()
}

#[utoipa::path(get, path = "/api/v1/reports/disaggregated", params(ReportQuery),
    responses((status = 200, body = Report, description = "JSON, or CSV with Accept: text/csv or shape=crdc"), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn disaggregated(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    require_grant(&auth.policy, &auth.actor, Action::ReadReport)?;
    let year = school_year(&q)?;
    // A year counts only what the server received as submitted by its
    // cutoff, so every answer for a closed year is the same forever.
    let (from, to) = (year.start(), year.end());
    let crdc = match q.shape.as_deref() {
        None => false,
        Some("crdc") => true,
        Some(_) => return Err(field("shape", "the only shape is crdc")),
    };
    let source = parse_source(q.source.as_deref())?;
    if crdc && source != Source::SchoolRecord {
        return Err(field(
            "source",
            "the CRDC counts school-record demographics",
        ));
    }
    let by = if crdc {
        vec![Dimension::RaceEthnicity]
    } else {
        parse_by(q.by.as_deref())?
    };
    let outcomes: Vec<Outcome> = match q.outcome.as_deref() {
        None => Outcome::ALL.to_vec(),
        Some(o) => vec![Outcome::parse(o).ok_or_else(|| {
            field(
                "outcome",
                format!(
                    "{o:?} is not an outcome; use {}",
                    Outcome::ALL
                        .iter()
                        .map(|o| o.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?],
    };
    let threshold = state.settings.report_min_cell;
    let csv = crdc
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"));
    // Aggregates only, but who ran which breakdown is itself worth keeping:
    // the parameters, as the server understood them, go in the endpoint.
    let asked = format!(
        "GET /api/v1/reports/disaggregated?school_year={year}&source={}&by={}&outcome={}&shape={}&format={}",
        source.as_str(),
        if crdc {
            "race_ethnicity,sex;disability,sex;english_learner,sex".to_string()
        } else {
            by.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
        },
        q.outcome.as_deref().map_or("all", |_| outcomes[0].as_str()),
        if crdc { "crdc" } else { "tables" },
        if csv { "csv" } else { "json" },
    );
    state
        .store
        .log_access(&[auth.view_entry(
            "report",
            asked,
            "disaggregated reporting",
            if crdc {
                [
                    Dimension::RaceEthnicity,
                    Dimension::Disability,
                    Dimension::EnglishLearner,
                    Dimension::Sex,
                ]
                .iter()
                .map(|d| d.as_str().to_string())
                .collect()
            } else {
                by.iter().map(|d| d.as_str().to_string()).collect()
            },
        )])
        .await?;
    let family = kept_family(&state, year).await?;
    if crdc {
        let body = crdc_csv(&family)?;
        return Ok(super::sheet::attachment(body, "fieldlog-crdc.csv"));
    }
    let rows = by[0].categories();
    let cols = by.get(1).map_or(vec!["all"], |d| d.categories());
    let tables = family_tables(&family, source, &by, &outcomes)?;
    let report = Report {
        school_year: year.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        source: source.as_str().into(),
        by: by.iter().map(|d| d.as_str().into()).collect(),
        rows: rows.iter().map(|s| s.to_string()).collect(),
        cols: cols.iter().map(|s| s.to_string()).collect(),
        threshold,
        unit: "student_interaction".into(),
        tables,
    };
    if csv {
        return Ok(super::sheet::attachment(
            report_csv(&report)?,
            "fieldlog-report.csv",
        ));
    }
    Ok(Json(report).into_response())
}

fn shown(c: &Cell) -> (String, String) {
    match c.count {
        Some(n) => (n.to_string(), String::new()),
        None => (String::new(), "yes".into()),
    }
}

/// Long format: one line per measure and group, totals as `total`.
fn report_csv(r: &Report) -> Result<Vec<u8>, ApiError> {
    let mut head = vec!["measure"];
    head.extend(r.by.iter().map(String::as_str));
    head.extend(["count", "suppressed", "rate_per_100"]);
    let mut w = Sheet::new(&head)?;
    let two = r.by.len() == 2;
    for t in &r.tables {
        let p = &t.published;
        let mut line = |row: &str, col: &str, c: &Cell, rate: Option<f64>| {
            let (n, s) = shown(c);
            let mut l = vec![t.measure.clone(), row.to_string()];
            if two {
                l.push(col.to_string());
            }
            l.extend([n, s, rate.map(|x| x.to_string()).unwrap_or_default()]);
            w.row(&l)
        };
        for (i, row) in r.rows.iter().enumerate() {
            for (k, col) in r.cols.iter().enumerate() {
                let rate = t.rates_per_100.as_ref().and_then(|x| x[i][k]);
                line(row, col, &p.cells[i][k], rate)?;
            }
            if let Some(rt) = &p.row_totals {
                line(row, "total", &rt[i], None)?;
            }
        }
        if two {
            for (k, col) in r.cols.iter().enumerate() {
                line("total", col, &p.col_totals[k], None)?;
            }
        }
        line("total", "total", &p.total, None)?;
    }
    w.finish()
}

/// The CRDC's discipline tables in its shape: for referrals to law
/// enforcement, school-related arrests and mechanical and physical
/// restraint, counts by race/ethnicity, IDEA, Section 504 and English
/// learners, each split by sex. Every arrest is also a referral; handcuffs
/// are mechanical restraint (`Outcome::in_actions`). Each sub-table is
/// suppressed on its own full grid, as the year's family
/// (`year_family`), before rows are picked from it.
fn crdc_csv(year: &Year) -> Result<Vec<u8>, ApiError> {
    let measures = [
        Outcome::ReferralToLawEnforcement,
        Outcome::Arrest,
        Outcome::MechanicalRestraint,
        Outcome::PhysicalRestraint,
    ];
    let sexes = Dimension::Sex.categories();
    let mut head = vec!["measure", "group"];
    head.extend(sexes.iter().copied());
    head.push("total");
    let mut w = Sheet::new(&head)?;
    let parts: [(Dimension, Option<&[&str]>); 3] = [
        (Dimension::RaceEthnicity, None),
        (Dimension::Disability, Some(&["idea", "section_504"])),
        (Dimension::EnglishLearner, Some(&["yes"])),
    ];
    let cell = |c: &Cell| -> String {
        c.count
            .map_or_else(|| "suppressed".into(), |n| n.to_string())
    };
    for o in measures {
        for (dim, pick) in &parts {
            let rows = dim.categories();
            let p = year_table(
                year,
                Source::SchoolRecord,
                &[*dim, Dimension::Sex],
                Measure::Outcome(o),
            )?;
            for (i, row) in rows.iter().enumerate() {
                if pick.is_some_and(|keep| !keep.contains(row)) {
                    continue;
                }
                let group = match dim {
                    Dimension::EnglishLearner => "english_learner".to_string(),
                    Dimension::Disability => row.to_string(),
                    _ => format!("race_ethnicity:{row}"),
                };
                let mut l = vec![o.as_str().to_string(), group];
                l.extend(p.cells[i].iter().map(cell));
                l.push(
                    p.row_totals
                        .as_ref()
                        .map_or_else(String::new, |r| cell(&r[i])),
                );
                w.row(&l)?;
            }
            if *dim == Dimension::RaceEthnicity {
                let mut l = vec![o.as_str().to_string(), "total".to_string()];
                l.extend(p.col_totals.iter().map(cell));
                l.push(cell(&p.total));
                w.row(&l)?;
            }
        }
    }
    w.finish()
}
