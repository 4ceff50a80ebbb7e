//! A supervisor's review of one record: kept, never replaced (a later review
//! adds an entry; none is ever edited or removed).

use crate::ids::{ReviewId, UserId};
use crate::timestamp::Timestamp;
use crate::vocabulary::{Finding, Status};
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The most characters of a review's notes or follow-up, and of a review
/// meeting's notes: one limit wherever they are written (the API, sync, the
/// queue screen).
pub const NOTE_MAX_CHARS: usize = 4_000;

/// Whether `text` is within [`NOTE_MAX_CHARS`].
pub fn note_fits(text: &str) -> bool {
    text.chars().count() <= NOTE_MAX_CHARS
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Review {
    #[key]
    pub id: ReviewId,
    pub finding: Finding,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub follow_up: Option<String>,
    pub by: UserId,
    pub at: Timestamp,
}

/// The review document's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Reviews {
    pub reviews: Vec<Review>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ReviewError {
    #[error("reviews are kept: review {0} was changed or removed")]
    Rewritten(ReviewId),
    #[error("review {0} is attributed to another user")]
    WrongAuthor(ReviewId),
    #[error("review notes are limited to {0} characters")]
    TooLong(usize),
    #[error(
        "review {0} is dated {1}, but a review's time is when it reaches the server; write it again"
    )]
    NotNow(ReviewId, Timestamp),
    #[error("review {0} is of a draft: a record is reviewed once its officer has submitted it")]
    Draft(ReviewId),
}

/// How far a new review's `at` may be from the server's clock when it
/// arrives. A review is written at a desk that is online (the app posts it
/// and the server stamps it), so this only has to cover clocks and transit;
/// anything further is a backdated (or postdated) review and is refused.
pub const REVIEW_CLOCK_SKEW_MINUTES: i64 = 5;

impl Reviews {
    /// Accepts `after` only if it keeps every review of `self` unchanged and
    /// every added review is by `author`, dated `now` (the server's time of
    /// receipt) give or take [`REVIEW_CLOCK_SKEW_MINUTES`], of a record in
    /// `record` status `Submitted`: a draft is still the officer's to finish
    /// (003 p6 reviews incidents as documented).
    pub fn check_append(
        &self,
        after: &Reviews,
        author: UserId,
        now: Timestamp,
        record: Status,
    ) -> Result<(), ReviewError> {
        for old in &self.reviews {
            if after.reviews.iter().find(|r| r.id == old.id) != Some(old) {
                return Err(ReviewError::Rewritten(old.id));
            }
        }
        for new in after
            .reviews
            .iter()
            .filter(|r| !self.reviews.iter().any(|o| o.id == r.id))
        {
            if new.by != author {
                return Err(ReviewError::WrongAuthor(new.id));
            }
            if record != Status::Submitted {
                return Err(ReviewError::Draft(new.id));
            }
            let skew = REVIEW_CLOCK_SKEW_MINUTES;
            if new.at < now.plus_minutes(-skew) || new.at > now.plus_minutes(skew) {
                return Err(ReviewError::NotNow(new.id, new.at));
            }
            let long = |t: &Option<String>| t.as_ref().is_some_and(|t| !note_fits(t));
            if long(&new.notes) || long(&new.follow_up) {
                return Err(ReviewError::TooLong(NOTE_MAX_CHARS));
            }
        }
        Ok(())
    }
}

crate::closed_set!(
    /// Who sat at a period's review meeting (003 principle 6: supervisors
    /// "meet with SROs and school administrators").
    AttendeeRole {
        Supervisor = "supervisor", Sro = "sro", SchoolAdministrator = "school_administrator",
        Other = "other",
    }
);

/// One person at a review meeting. Staff only: no student is named here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    pub name: String,
    pub role: AttendeeRole,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MeetingError {
    #[error("a review meeting includes the school administrator")]
    NoSchoolAdministrator,
    #[error("a review meeting includes the SRO")]
    NoSro,
    #[error("attendee {0}'s name must be 1-200 characters")]
    BadName(usize),
}

impl MeetingError {
    /// The field the problem is about.
    pub fn field(&self) -> String {
        match self {
            Self::BadName(i) => format!("attendees[{i}].name"),
            _ => "attendees".into(),
        }
    }
}

/// Checks a meeting's attendance: the rule is that supervisors meet *with*
/// the SRO and the school administrator, so both must be there.
pub fn check_attendees(attendees: &[Attendee]) -> Result<(), MeetingError> {
    if let Some(i) = attendees
        .iter()
        .position(|a| a.name.trim().is_empty() || a.name.chars().count() > 200)
    {
        return Err(MeetingError::BadName(i));
    }
    let has = |r: AttendeeRole| attendees.iter().any(|a| a.role == r);
    if !has(AttendeeRole::SchoolAdministrator) {
        return Err(MeetingError::NoSchoolAdministrator);
    }
    if !has(AttendeeRole::Sro) {
        return Err(MeetingError::NoSro);
    }
    Ok(())
}
