//! A complaint's handling: intake, assignment to an investigator, notes, a
//! finding, closure (003 p9: "established procedures for regularly
//! reviewing and adjudicating complaints"). Who may read one, who may act
//! on it, and what each event requires.
//!
//! The policy says which roles may manage complaints (command staff) and
//! which may be given one to investigate; this module says which complaint
//! each may touch: a commander, their agency's and those not yet routed to
//! an agency; an investigator, the ones assigned to them. The complainant's
//! contact details and demographics are never shown to an officer the
//! complaint is about, whatever their role.

use super::{ComplaintKind, ComplaintStatus};
use crate::closed_set;
use crate::ids::{RecordId, UserId};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

closed_set!(
    /// How an investigation ends (the dispositions police accountability
    /// bodies use).
    Finding {
        Sustained = "sustained", NotSustained = "not_sustained", Exonerated = "exonerated",
        Unfounded = "unfounded", PolicyFailure = "policy_failure",
    }
);

/// Days from receipt to closure before a complaint is overdue. An
/// investigation gets a quarter of a year; a compliment or feedback needs
/// only reading, acknowledging and passing on.
pub const fn days_to_close(kind: ComplaintKind) -> u64 {
    match kind {
        ComplaintKind::Complaint => 90,
        ComplaintKind::Compliment | ComplaintKind::Feedback => 30,
    }
}

/// The most characters of a note or a finding's reasons.
pub const NOTE_MAX_CHARS: usize = 8_000;
/// The most officers, and the most records, one complaint may be linked to.
pub const MAX_LINKS: usize = 20;
/// How far ahead a due date may be set: a year (without a bound, a due
/// date moved far ahead would silence the overdue mark for good).
pub const DUE_MAX_DAYS: u64 = 366;

/// What the workflow needs to know about one complaint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintFacts {
    pub kind: ComplaintKind,
    pub status: ComplaintStatus,
    /// The agency it is routed to; `None` until one is known.
    pub agency: Option<Uuid>,
    pub investigator: Option<UserId>,
    /// The officers it is about, as linked by its handlers.
    pub officers: Vec<UserId>,
    pub finding: Option<Finding>,
    pub due_on: NaiveDate,
}

impl ComplaintFacts {
    /// A complaint as filed on `received_on`, routed to `agency` if known.
    pub fn filed(kind: ComplaintKind, agency: Option<Uuid>, received_on: NaiveDate) -> Self {
        Self {
            kind,
            status: ComplaintStatus::Received,
            agency,
            investigator: None,
            officers: vec![],
            finding: None,
            due_on: received_on
                .checked_add_days(Days::new(days_to_close(kind)))
                .unwrap_or(received_on),
        }
    }

    /// Past its due date and still open.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status != ComplaintStatus::Closed && today > self.due_on
    }
}

/// The agency a new filing goes to: the one agency whose officers serve
/// the school named, or none when no school is named or several agencies
/// serve it (every agency's command staff then see it until one takes it).
pub fn route(serving_agencies: &[Uuid]) -> Option<Uuid> {
    match serving_agencies {
        [one] => Some(*one),
        _ => None,
    }
}

/// Who is handling: the user, their organisation, and which of the two
/// complaint grants their role holds under the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handler {
    pub user: UserId,
    pub org: Option<Uuid>,
    pub manages: bool,
    pub investigates: bool,
}

/// How much of a complaint a reader sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintView {
    /// Everything, the complainant's contact details and demographics too.
    Full,
    /// Without the complainant's contact details and demographics: what an
    /// officer the complaint is about sees, whatever their role.
    WithoutComplainant,
}

/// A handler of no organisation reaches no agency's complaints (it fails
/// closed: every commander belongs to an agency).
fn in_agency(handler: &Handler, facts: &ComplaintFacts) -> bool {
    match (handler.org, facts.agency) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(h), Some(a)) => h == a,
    }
}

/// The view `handler` reads `facts` through, or `None` (the complaint is
/// hidden from them: 404).
pub fn view(handler: &Handler, facts: &ComplaintFacts) -> Option<ComplaintView> {
    let commands = handler.manages && in_agency(handler, facts);
    let investigates = handler.investigates && facts.investigator == Some(handler.user);
    if !commands && !investigates {
        return None;
    }
    Some(if facts.officers.contains(&handler.user) {
        ComplaintView::WithoutComplainant
    } else {
        ComplaintView::Full
    })
}

/// A user named in an event (the investigator, or an officer it concerns),
/// as the directory has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub user: UserId,
    pub org: Option<Uuid>,
    /// Their role holds the investigate grant.
    pub investigates: bool,
    pub disabled: bool,
}

/// One step of a complaint's handling (API.md: `POST
/// /complaints/{id}/events`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// Given to an investigator, with the officers and records it concerns
    /// and, if not the default, when it is due.
    Assigned {
        investigator_id: UserId,
        #[serde(default)]
        officer_ids: Vec<UserId>,
        #[serde(default)]
        record_ids: Vec<RecordId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_on: Option<NaiveDate>,
    },
    Note {
        text: String,
    },
    Finding {
        finding: Finding,
        text: String,
    },
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum EventProblem {
    /// Not theirs to do (403).
    #[error("only command staff may do this")]
    NotCommand,
    #[error("only command staff or the assigned investigator may do this")]
    NotHandling,
    #[error("an officer the complaint is about takes no part in handling it")]
    AboutThem,
    #[error("this complaint is closed")]
    Closed,
    #[error(
        "the investigator must be an enabled user of the complaint's agency whose role investigates complaints"
    )]
    NotAnInvestigator,
    #[error("an officer the complaint is about cannot investigate it")]
    InvestigatesThemself,
    #[error("a due date is today or later")]
    DueInThePast,
    #[error("a due date is at most a year ahead")]
    DueTooFar,
    #[error("an officer named must be a user of the complaint's agency")]
    UnknownOfficer,
    #[error("at most {MAX_LINKS} officers and {MAX_LINKS} records")]
    TooManyLinks(&'static str),
    #[error("write the note")]
    Blank,
    #[error("at most {NOTE_MAX_CHARS} characters")]
    TooLong,
    #[error("control characters other than line breaks are not accepted")]
    ControlCharacters,
    #[error("only a complaint has a finding")]
    NotAComplaint,
    #[error("a complaint is assigned before a finding is made")]
    NotAssigned,
    #[error("a complaint is closed with a finding")]
    NoFinding,
}

impl EventProblem {
    /// The request field at fault; `None` for a refusal of the caller.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::NotCommand | Self::NotHandling | Self::AboutThem => None,
            Self::Closed | Self::NotAComplaint | Self::NotAssigned | Self::NoFinding => {
                Some("kind")
            }
            Self::NotAnInvestigator | Self::InvestigatesThemself => Some("investigator_id"),
            Self::DueInThePast | Self::DueTooFar => Some("due_on"),
            Self::UnknownOfficer => Some("officer_ids"),
            Self::TooManyLinks(f) => Some(f),
            Self::Blank | Self::TooLong | Self::ControlCharacters => Some("text"),
        }
    }
}

fn note(text: &str) -> Result<(), EventProblem> {
    let t = text.trim();
    if t.is_empty() {
        Err(EventProblem::Blank)
    } else if t.chars().count() > NOTE_MAX_CHARS {
        Err(EventProblem::TooLong)
    } else if t
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Err(EventProblem::ControlCharacters)
    } else {
        Ok(())
    }
}

/// Checks `event` by `handler` on a complaint they may read (`view` is
/// `Some`), and answers the complaint after it. `named` is what the
/// directory has of the users an `Assigned` event names (its investigator
/// and officers; an unknown id is simply absent).
pub fn apply(
    handler: &Handler,
    facts: &ComplaintFacts,
    event: &Event,
    named: &[Candidate],
    today: NaiveDate,
) -> Result<ComplaintFacts, EventProblem> {
    let commands = handler.manages && in_agency(handler, facts);
    let investigates = handler.investigates && facts.investigator == Some(handler.user);
    if facts.officers.contains(&handler.user) {
        return Err(EventProblem::AboutThem);
    }
    if facts.status == ComplaintStatus::Closed {
        return Err(EventProblem::Closed);
    }
    let mut next = facts.clone();
    match event {
        Event::Assigned {
            investigator_id,
            officer_ids,
            record_ids,
            due_on,
        } => {
            if !commands {
                return Err(EventProblem::NotCommand);
            }
            if officer_ids.len() > MAX_LINKS {
                return Err(EventProblem::TooManyLinks("officer_ids"));
            }
            if record_ids.len() > MAX_LINKS {
                return Err(EventProblem::TooManyLinks("record_ids"));
            }
            // An unrouted complaint becomes the assigning commander's agency's.
            let agency = facts.agency.or(handler.org);
            let known = |u: &UserId| named.iter().find(|c| c.user == *u);
            let fits = known(investigator_id)
                .is_some_and(|c| c.investigates && !c.disabled && c.org == agency);
            if !fits {
                return Err(EventProblem::NotAnInvestigator);
            }
            for o in officer_ids {
                if known(o).is_none_or(|c| c.org != agency) {
                    return Err(EventProblem::UnknownOfficer);
                }
                if !next.officers.contains(o) {
                    next.officers.push(*o);
                }
            }
            if next.officers.len() > MAX_LINKS {
                return Err(EventProblem::TooManyLinks("officer_ids"));
            }
            if next.officers.contains(investigator_id) {
                return Err(EventProblem::InvestigatesThemself);
            }
            if let Some(d) = due_on {
                if *d < today {
                    return Err(EventProblem::DueInThePast);
                }
                if today
                    .checked_add_days(Days::new(DUE_MAX_DAYS))
                    .is_some_and(|last| *d > last)
                {
                    return Err(EventProblem::DueTooFar);
                }
                next.due_on = *d;
            }
            next.agency = agency;
            next.investigator = Some(*investigator_id);
            next.status = ComplaintStatus::Assigned;
        }
        Event::Note { text } => {
            if !commands && !investigates {
                return Err(EventProblem::NotHandling);
            }
            note(text)?;
        }
        Event::Finding { finding, text } => {
            if !commands && !investigates {
                return Err(EventProblem::NotHandling);
            }
            if facts.kind != ComplaintKind::Complaint {
                return Err(EventProblem::NotAComplaint);
            }
            if facts.status != ComplaintStatus::Assigned {
                return Err(EventProblem::NotAssigned);
            }
            note(text)?;
            next.finding = Some(*finding);
        }
        Event::Closed { text } => {
            if !commands {
                return Err(EventProblem::NotCommand);
            }
            if facts.kind == ComplaintKind::Complaint && facts.finding.is_none() {
                return Err(EventProblem::NoFinding);
            }
            if let Some(t) = text {
                note(t)?;
            }
            next.status = ComplaintStatus::Closed;
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests;
