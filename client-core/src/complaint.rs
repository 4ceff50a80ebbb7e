//! Complaints, compliments and feedback from students and families (issue
//! 21; seeds 000 step 2, 003 p9, 004 Accountability 7): what a filing may
//! hold, how it is checked and kept, and its tracking code. Who may handle
//! one, and how it moves from intake to closure, is `complaint::workflow`.
//!
//! Everything a filer writes can name someone (a student, an officer, the
//! filer): the description and the officer's description are free text and
//! are treated as identifying; contact details and the filer's demographics
//! exist only when volunteered, and an empty one is not kept at all.

pub mod workflow;

use crate::closed_set;
use crate::ids::SchoolId;
use crate::report::RaceEthnicity;
use crate::rules::RuleCode;
use crate::vocabulary::Sex;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

closed_set!(
    /// What someone files.
    ComplaintKind { Complaint = "complaint", Compliment = "compliment", Feedback = "feedback" }
);

closed_set!(
    /// Where a filing is in its handling; the filer sees this and nothing else.
    ComplaintStatus { Received = "received", Assigned = "assigned", Closed = "closed" }
);

/// How the filer may be reached, if they want to be. Kept only when some
/// part is given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The filer's own demographics, each one volunteered (000 step 2 asks to
/// gather "race, age, sex, EL status, and disability status").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complainant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceEthnicity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_learner: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability: Option<bool>,
}

/// A filing as the public form or API sends it (API.md Additions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    pub kind: ComplaintKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_id: Option<SchoolId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer_description: Option<String>,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complainant: Option<Complainant>,
}

/// The most characters of a description (about two printed pages).
pub const DESCRIPTION_MAX_CHARS: usize = 8_000;
/// The most characters of the officer's description, a name or a phone.
pub const SHORT_MAX_CHARS: usize = 200;
/// How far back an incident may be dated: complaints about the last five
/// school years are heard.
pub const INCIDENT_MAX_AGE_DAYS: i64 = 5 * 366;
/// The oldest age a filer may give.
pub const AGE_MAX: u16 = 120;

/// Why a filing is refused; each names its field.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FilingProblem {
    #[error("say what happened")]
    Blank(&'static str),
    #[error("at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("control characters other than line breaks are not accepted")]
    ControlCharacters(&'static str),
    #[error("not an email address")]
    NotAnEmail,
    #[error("a phone number holds digits, spaces and + ( ) - . only")]
    NotAPhone,
    #[error("the incident's date is after today")]
    DateAhead,
    #[error("the incident's date is more than five years ago")]
    DateTooOld,
    #[error("an age is at most {AGE_MAX}")]
    Age,
}

impl FilingProblem {
    /// The rule code API.md's error shape carries.
    pub fn code(&self) -> RuleCode {
        match self {
            Self::Blank(_) => RuleCode::Required,
            Self::TooLong { .. } => RuleCode::TooLong,
            Self::DateAhead | Self::DateTooOld | Self::Age => RuleCode::OutOfRange,
            Self::ControlCharacters(_) | Self::NotAnEmail | Self::NotAPhone => {
                RuleCode::UnknownValue
            }
        }
    }

    /// The request field at fault, as a dotted path.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Blank(f) | Self::TooLong { field: f, .. } | Self::ControlCharacters(f) => f,
            Self::NotAnEmail => "contact.email",
            Self::NotAPhone => "contact.phone",
            Self::DateAhead | Self::DateTooOld => "incident_date",
            Self::Age => "complainant.age",
        }
    }
}

/// A text as kept: trimmed, `None` when blank; refused when too long or
/// holding control characters (line breaks and tabs aside).
fn text(
    raw: Option<&str>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, FilingProblem> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > max {
        return Err(FilingProblem::TooLong { field, max });
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FilingProblem::ControlCharacters(field));
    }
    Ok(Some(t.to_owned()))
}

/// One line of text: as `text`, with no line breaks either (it is shown on
/// one line, where a break could forge another).
fn line(
    raw: Option<&str>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, FilingProblem> {
    let t = text(raw, field, max)?;
    if t.as_deref().is_some_and(|t| t.contains(['\n', '\r'])) {
        return Err(FilingProblem::ControlCharacters(field));
    }
    Ok(t)
}

fn email(raw: Option<&str>) -> Result<Option<String>, FilingProblem> {
    let Some(e) = line(raw, "contact.email", 254)? else {
        return Ok(None);
    };
    // The shape only: one @, something on each side, a dot in the domain,
    // no spaces. Whether it reaches anyone is the investigator's to find.
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !e.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(Some(e))
    } else {
        Err(FilingProblem::NotAnEmail)
    }
}

fn phone(raw: Option<&str>) -> Result<Option<String>, FilingProblem> {
    let Some(p) = line(raw, "contact.phone", 40)? else {
        return Ok(None);
    };
    let allowed = |c: char| c.is_ascii_digit() || " +()-.".contains(c);
    if p.chars().all(allowed) && p.chars().filter(char::is_ascii_digit).count() >= 3 {
        Ok(Some(p))
    } else {
        Err(FilingProblem::NotAPhone)
    }
}

impl Filing {
    /// The filing as kept: texts trimmed, blanks dropped, a contact or a
    /// complainant with nothing in it left out; or every problem, each
    /// naming its field. `today` is the filer's day as the server sees it
    /// (a day of slack either way for time zones is the caller's).
    pub fn checked(self, today: NaiveDate) -> Result<Self, Vec<FilingProblem>> {
        let mut problems = Vec::new();
        let mut keep = |r: Result<Option<String>, FilingProblem>| match r {
            Ok(v) => v,
            Err(p) => {
                problems.push(p);
                None
            }
        };
        let description = keep(text(
            Some(&self.description),
            "description",
            DESCRIPTION_MAX_CHARS,
        ));
        let officer_description = keep(line(
            self.officer_description.as_deref(),
            "officer_description",
            SHORT_MAX_CHARS,
        ));
        let contact = self.contact.unwrap_or_default();
        let contact = Contact {
            name: keep(line(
                contact.name.as_deref(),
                "contact.name",
                SHORT_MAX_CHARS,
            )),
            email: keep(email(contact.email.as_deref())),
            phone: keep(phone(contact.phone.as_deref())),
        };
        if description.is_none() && !problems.iter().any(|p| p.field() == "description") {
            problems.push(FilingProblem::Blank("description"));
        }
        if let Some(day) = self.incident_date {
            if day > today {
                problems.push(FilingProblem::DateAhead);
            } else if (today - day).num_days() > INCIDENT_MAX_AGE_DAYS {
                problems.push(FilingProblem::DateTooOld);
            }
        }
        let complainant = self.complainant.unwrap_or_default();
        if complainant.age.is_some_and(|a| a > AGE_MAX) {
            problems.push(FilingProblem::Age);
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            kind: self.kind,
            school_id: self.school_id,
            incident_date: self.incident_date,
            officer_description,
            description: description.unwrap_or_default(),
            contact: (contact != Contact::default()).then_some(contact),
            complainant: (complainant != Complainant::default()).then_some(complainant),
        })
    }
}

/// Tracking codes: 80 random bits (the server draws them), written as 16
/// Crockford base-32 characters in four groups, easy to read aloud and to
/// type on a phone. Only a hash of the code is kept.
pub mod tracking_code {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// The code for ten random bytes, e.g. `7K2M-Q9XD-4RTB-HN0W`.
    pub fn format(bytes: [u8; 10]) -> String {
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        let mut out = String::with_capacity(19);
        for i in 0..16 {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            let shift = 5 * (15 - i);
            out.push(ALPHABET[((bits >> shift) & 31) as usize] as char);
        }
        out
    }

    /// A code as typed, in its one canonical form: case, spaces and
    /// hyphens do not matter, and the letters people mistake for digits
    /// (O, I, L) read as those digits. `None` when it cannot be a code.
    pub fn normalize(typed: &str) -> Option<String> {
        let mut chars = String::with_capacity(16);
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            chars.push(c);
        }
        if chars.len() != 16 {
            return None;
        }
        Some(
            chars
                .as_bytes()
                .chunks(4)
                .map(|c| std::str::from_utf8(c).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("-"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    fn filing() -> Filing {
        Filing {
            kind: ComplaintKind::Complaint,
            school_id: None,
            incident_date: None,
            officer_description: None,
            description: "What happened".into(),
            contact: None,
            complainant: None,
        }
    }

    #[test]
    fn each_problem_names_its_field() {
        let today = day("2026-12-07");
        let long = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        type Change = fn(&mut Filing, &str);
        let cases: [(&str, Change, Option<&str>); 14] = [
            ("a plain filing", |_, _| {}, None),
            (
                "a blank description",
                |f, _| f.description = "  \n ".into(),
                Some("description"),
            ),
            (
                "a long description",
                |f, l| f.description = l.into(),
                Some("description"),
            ),
            (
                "a bell",
                |f, _| f.description = "a\u{7}b".into(),
                Some("description"),
            ),
            (
                "lines in a description",
                |f, _| f.description = "a\nb\r\n\tc".into(),
                None,
            ),
            (
                "a line break in a name",
                |f, _| {
                    f.contact = Some(Contact {
                        name: Some("A\nB".into()),
                        ..Default::default()
                    })
                },
                Some("contact.name"),
            ),
            (
                "an email without a domain",
                |f, _| {
                    f.contact = Some(Contact {
                        email: Some("parent@home".into()),
                        ..Default::default()
                    })
                },
                Some("contact.email"),
            ),
            (
                "an email",
                |f, _| {
                    f.contact = Some(Contact {
                        email: Some(" parent@example.org ".into()),
                        ..Default::default()
                    })
                },
                None,
            ),
            (
                "a phone with letters",
                |f, _| {
                    f.contact = Some(Contact {
                        phone: Some("555-CALL".into()),
                        ..Default::default()
                    })
                },
                Some("contact.phone"),
            ),
            (
                "a phone",
                |f, _| {
                    f.contact = Some(Contact {
                        phone: Some("+1 (312) 555-0100".into()),
                        ..Default::default()
                    })
                },
                None,
            ),
            (
                "tomorrow",
                |f, _| f.incident_date = Some(day("2026-12-08")),
                Some("incident_date"),
            ),
            (
                "today",
                |f, _| f.incident_date = Some(day("2026-12-07")),
                None,
            ),
            (
                "six years ago",
                |f, _| f.incident_date = Some(day("2020-12-01")),
                Some("incident_date"),
            ),
            (
                "an age of 121",
                |f, _| {
                    f.complainant = Some(Complainant {
                        age: Some(121),
                        ..Default::default()
                    })
                },
                Some("complainant.age"),
            ),
        ];
        for (what, change, want) in cases {
            let mut f = filing();
            change(&mut f, &long);
            let got = f.checked(today).err().map(|p| p[0].field());
            assert_eq!(got, want, "{what}");
        }
    }

    #[test]
    fn nothing_volunteered_is_nothing_kept() {
        let mut f = filing();
        f.contact = Some(Contact {
            name: Some("  ".into()),
            email: Some(String::new()),
            phone: None,
        });
        f.complainant = Some(Complainant::default());
        f.officer_description = Some(" ".into());
        let kept = f.checked(day("2026-12-07")).expect("valid");
        assert_eq!(kept.contact, None);
        assert_eq!(kept.complainant, None);
        assert_eq!(kept.officer_description, None);
    }

    #[test]
    fn a_code_reads_back_however_it_is_typed() {
        let code = tracking_code::format([0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(code.len(), 19);
        let cases = [
            (code.clone(), Some(code.clone())),
            (code.to_lowercase(), Some(code.clone())),
            (code.replace('-', " "), Some(code.clone())),
            (
                "OIL0-0000-0000-0000".into(),
                Some("0110-0000-0000-0000".into()),
            ),
            ("U000-0000-0000-0000".into(), None),
            ("0000-0000-0000".into(), None),
            ("0000-0000-0000-00000".into(), None),
            ("ÀÀÀÀ-0000-0000-0000".into(), None),
        ];
        for (typed, want) in cases {
            assert_eq!(tracking_code::normalize(&typed), want, "{typed}");
        }
        assert_ne!(
            tracking_code::format([0; 10]),
            tracking_code::format([1; 10])
        );
    }
}
