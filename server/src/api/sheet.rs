//! CSV downloads: one writer for every export, so each answers with the same
//! headers and the same defence against spreadsheet formulas.

use super::error::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A CSV being written, row by row.
pub struct Sheet(csv::Writer<Vec<u8>>);

fn failed(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("writing CSV: {e}"))
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a leading `'`, as OWASP advises: free text
/// such as a purpose or a username must never become a formula on an
/// auditor's machine. Numbers keep their sign.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

impl Sheet {
    pub fn new(head: &[&str]) -> Result<Self, ApiError> {
        let mut s = Self(csv::Writer::from_writer(Vec::new()));
        s.row(head)?;
        Ok(s)
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), ApiError> {
        self.0
            .write_record(cells.iter().map(|c| inert(c.as_ref()).into_owned()))
            .map_err(failed)
    }

    pub fn finish(self) -> Result<Vec<u8>, ApiError> {
        self.0.into_inner().map_err(failed)
    }
}

/// A CSV body as a download named `name`.
pub fn attachment(body: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formulas_are_made_inert_and_numbers_are_not() {
        for (cell, out) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1+1", "'+1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("-2", "-2"),
            ("12", "12"),
            ("read_record", "read_record"),
            ("", ""),
        ] {
            assert_eq!(inert(cell), out, "{cell}");
        }
    }
}
