//! The filing form: its fields as the browser sends them, turned into
//! client-core's `Filing` (whose `checked` decides what is acceptable), and
//! drawn again with each problem beside its field.

use super::Words;
use crate::store::directory::School;
use client_core::complaint::{Complainant, ComplaintKind, Contact, Filing, FilingProblem};
use client_core::report::RaceEthnicity;
use client_core::vocabulary::Sex;
use maud::{Markup, html};
use serde::Deserialize;

/// The form as sent: every field text, any of them missing.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Fields {
    pub lang: Option<String>,
    pub kind: Option<String>,
    pub school_id: Option<String>,
    pub incident_date: Option<String>,
    pub officer_description: Option<String>,
    pub description: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub race: Option<String>,
    pub sex: Option<String>,
    pub age: Option<String>,
    pub english_learner: Option<String>,
    pub disability: Option<String>,
    /// The honeypot: hidden from people, filled by form-filling robots.
    pub website: Option<String>,
}

/// A problem as the form shows it: the input it belongs to and the message.
#[derive(Clone, Debug)]
pub struct Problem {
    input: &'static str,
    message: &'static str,
}

impl Problem {
    fn of(p: &FilingProblem) -> Self {
        let input = match p.field() {
            "description" => "description",
            "officer_description" => "officer-description",
            "contact.name" => "contact-name",
            "contact.email" => "contact-email",
            "contact.phone" => "contact-phone",
            "incident_date" => "incident-date",
            _ => "age",
        };
        let message = match p {
            FilingProblem::Blank(_) => "error-description",
            FilingProblem::TooLong { .. } => "error-too-long",
            FilingProblem::ControlCharacters(_) => "error-control",
            FilingProblem::NotAnEmail => "error-email",
            FilingProblem::NotAPhone => "error-phone",
            FilingProblem::DateAhead => "error-date-ahead",
            FilingProblem::DateTooOld => "error-date-old",
            FilingProblem::Age => "error-age",
        };
        Self { input, message }
    }

    pub fn school() -> Self {
        Self {
            input: "school",
            message: "error-school",
        }
    }
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl Fields {
    /// The filing these fields make, checked by client-core as of `today`;
    /// or every problem, each for its input.
    pub fn filing_as_of(&self, today: chrono::NaiveDate) -> Result<Filing, Vec<Problem>> {
        let mut problems = Vec::new();
        let kind = text(&self.kind).and_then(|k| ComplaintKind::parse(&k));
        if kind.is_none() {
            problems.push(Problem {
                input: "kind-complaint",
                message: "error-kind",
            });
        }
        let school_id = match text(&self.school_id) {
            None => None,
            Some(s) => match s.parse() {
                Ok(id) => Some(id),
                Err(_) => {
                    problems.push(Problem::school());
                    None
                }
            },
        };
        let incident_date = match text(&self.incident_date) {
            None => None,
            Some(d) => match d.parse() {
                Ok(day) => Some(day),
                Err(_) => {
                    problems.push(Problem {
                        input: "incident-date",
                        message: "error-date",
                    });
                    None
                }
            },
        };
        let age = match text(&self.age) {
            None => None,
            Some(a) => match a.parse::<u16>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(Problem {
                        input: "age",
                        message: "error-age",
                    });
                    None
                }
            },
        };
        let yes_no = |v: &Option<String>| match text(v).as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => None,
        };
        let filing = Filing {
            kind: kind.unwrap_or(ComplaintKind::Feedback),
            school_id,
            incident_date,
            officer_description: self.officer_description.clone(),
            description: self.description.clone().unwrap_or_default(),
            contact: Some(Contact {
                name: self.contact_name.clone(),
                email: self.contact_email.clone(),
                phone: self.contact_phone.clone(),
            }),
            complainant: Some(Complainant {
                race: text(&self.race).and_then(|r| RaceEthnicity::parse(&r)),
                sex: text(&self.sex).and_then(|s| Sex::parse(&s)),
                age,
                english_learner: yes_no(&self.english_learner),
                disability: yes_no(&self.disability),
            }),
        };
        match filing.clone().checked(today) {
            Err(found) => problems.extend(found.iter().map(Problem::of)),
            Ok(_) if problems.is_empty() => return Ok(filing),
            Ok(_) => {}
        }
        Err(problems)
    }

    /// `filing_as_of` today, with a day of slack for the filer's zone.
    pub fn filing(&self) -> Result<Filing, Vec<Problem>> {
        let today = chrono::Utc::now().date_naive();
        self.filing_as_of(today.succ_opt().unwrap_or(today))
    }
}

/// The race/ethnicity and sex answers a filer may give (the "unknown"
/// members are the "prefer not to say" option).
fn races() -> impl Iterator<Item = RaceEthnicity> {
    RaceEthnicity::ALL
        .iter()
        .copied()
        .filter(|r| r.as_str() != client_core::report::UNKNOWN)
}

fn sexes() -> impl Iterator<Item = Sex> {
    Sex::ALL.iter().copied().filter(|s| *s != Sex::Unknown)
}

/// The form, with `fields` filled in and `problems` shown.
pub fn render(words: &Words, schools: &[School], fields: &Fields, problems: &[Problem]) -> Markup {
    let t = |id: &str| words.t(id);
    let error = |input: &str| problems.iter().find(|p| p.input == input);
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let kind = fields.kind.as_deref().unwrap_or("complaint");
    // Beside a field: its problem, tied to it for screen readers.
    let note = |input: &'static str| {
        html! {
            @if let Some(p) = error(input) {
                p.error id={ (input) "-error" } { (t(p.message)) }
            }
        }
    };
    let described = |input: &str| error(input).map(|_| format!("{input}-error"));
    let invalid = |input: &str| error(input).map(|_| "true");
    let choice = |name: &'static str, current: &Option<String>, options: Vec<(String, String)>| {
        let current = current.clone().unwrap_or_default();
        html! {
            select #(name.replace('_', "-")) name=(name) {
                option value="" { (t("answer-none")) }
                @for (v, label) in options {
                    option value=(v) selected[current == v] { (label) }
                }
            }
        }
    };
    html! {
        p { (t("file-intro")) }
        p { (t("who-sees")) }
        @if !problems.is_empty() {
            div.errors role="alert" {
                h2 { (t("errors-title")) }
                ul {
                    @for p in problems {
                        li { a href={ "#" (p.input) } { (t(p.message)) } }
                    }
                }
            }
        }
        form method="post" action="/public/complaints" {
            input type="hidden" name="lang" value=(words.tag());
            fieldset {
                legend { (t("kind-legend")) }
                @for k in ComplaintKind::ALL {
                    @let id = format!("kind-{}", k.as_str());
                    div.choice {
                        input type="radio" id=(id) name="kind" value=(k.as_str()) checked[kind == k.as_str()];
                        label for=(id) { (t(&id)) }
                    }
                }
                (note("kind-complaint"))
            }
            label for="school" { (t("school")) }
            select #school name="school_id" aria-invalid=[invalid("school")] aria-describedby=[described("school")] {
                option value="" { (t("school-none")) }
                @for s in schools {
                    option value=(s.id) selected[fields.school_id.as_deref() == Some(&s.id.to_string())] { (s.name) }
                }
            }
            (note("school"))
            label for="incident-date" { (t("incident-date")) }
            input #incident-date type="date" name="incident_date" value=(value(&fields.incident_date))
                aria-invalid=[invalid("incident-date")] aria-describedby=[described("incident-date")];
            (note("incident-date"))
            label for="officer-description" { (t("officer-description")) }
            input #officer-description name="officer_description" maxlength="200" value=(value(&fields.officer_description))
                aria-invalid=[invalid("officer-description")] aria-describedby=[described("officer-description")];
            (note("officer-description"))
            label for="description" { (t("description")) }
            p.hint #description-hint { (t("description-hint")) }
            textarea #description name="description" rows="7" maxlength="8000" required
                aria-invalid=[invalid("description")]
                aria-describedby={ "description-hint" @if let Some(d) = described("description") { " " (d) } } { (value(&fields.description)) }
            (note("description"))
            fieldset {
                legend { (t("contact-legend")) }
                label for="contact-name" { (t("contact-name")) }
                input #contact-name name="contact_name" autocomplete="name" maxlength="200" value=(value(&fields.contact_name))
                    aria-invalid=[invalid("contact-name")] aria-describedby=[described("contact-name")];
                (note("contact-name"))
                label for="contact-email" { (t("contact-email")) }
                input #contact-email type="email" name="contact_email" autocomplete="email" value=(value(&fields.contact_email))
                    aria-invalid=[invalid("contact-email")] aria-describedby=[described("contact-email")];
                (note("contact-email"))
                label for="contact-phone" { (t("contact-phone")) }
                input #contact-phone type="tel" name="contact_phone" autocomplete="tel" value=(value(&fields.contact_phone))
                    aria-invalid=[invalid("contact-phone")] aria-describedby=[described("contact-phone")];
                (note("contact-phone"))
            }
            fieldset {
                legend { (t("about-you-legend")) }
                p.hint { (t("about-you-hint")) }
                label for="race" { (t("race")) }
                (choice("race", &fields.race, races().map(|r| (r.as_str().to_owned(), t(&format!("race-{}", r.as_str())))).collect()))
                label for="sex" { (t("sex")) }
                (choice("sex", &fields.sex, sexes().map(|s| (s.as_str().to_owned(), t(&format!("sex-{}", s.as_str())))).collect()))
                label for="age" { (t("age")) }
                input #age type="number" name="age" min="0" max="120" inputmode="numeric" value=(value(&fields.age))
                    aria-invalid=[invalid("age")] aria-describedby=[described("age")];
                (note("age"))
                label for="english-learner" { (t("english-learner")) }
                (choice("english_learner", &fields.english_learner, vec![("yes".into(), t("answer-yes")), ("no".into(), t("answer-no"))]))
                label for="disability" { (t("disability")) }
                (choice("disability", &fields.disability, vec![("yes".into(), t("answer-yes")), ("no".into(), t("answer-no"))]))
            }
            div.hp aria-hidden="true" {
                label for="website" { (t("honeypot")) }
                input #website name="website" tabindex="-1" autocomplete="off";
            }
            button type="submit" { (t("send")) }
        }
        p { a href={ "/public/complaints/status?lang=" (words.tag()) } { (t("check-status-link")) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().expect("a date")
    }

    /// What the browser sends becomes the filing client-core checks, and
    /// each problem lands on its input.
    #[test]
    fn the_form_s_fields_and_their_problems() {
        let good = Fields {
            kind: Some("compliment".into()),
            description: Some("Officer helped my son".into()),
            english_learner: Some("yes".into()),
            age: Some(" 14 ".into()),
            ..Default::default()
        };
        let f = good.filing_as_of(day("2026-12-07")).expect("valid");
        assert_eq!(f.kind, ComplaintKind::Compliment);
        let c = f.complainant.clone().expect("volunteered");
        assert_eq!(
            (c.age, c.english_learner, c.disability),
            (Some(14), Some(true), None)
        );
        let cases: [(Fields, &[&str]); 5] = [
            (
                Fields {
                    kind: None,
                    ..good.clone()
                },
                &["kind-complaint"],
            ),
            (
                Fields {
                    school_id: Some("lincoln".into()),
                    ..good.clone()
                },
                &["school"],
            ),
            (
                Fields {
                    incident_date: Some("yesterday".into()),
                    ..good.clone()
                },
                &["incident-date"],
            ),
            (
                Fields {
                    age: Some("forty".into()),
                    description: Some(" ".into()),
                    ..good.clone()
                },
                &["age", "description"],
            ),
            (
                Fields {
                    contact_email: Some("me@home".into()),
                    ..good.clone()
                },
                &["contact-email"],
            ),
        ];
        for (fields, want) in cases {
            let got: Vec<&str> = fields
                .filing_as_of(day("2026-12-07"))
                .err()
                .unwrap_or_default()
                .iter()
                .map(|p| p.input)
                .collect();
            assert_eq!(got, want, "{fields:?}");
        }
    }
}
