//! The training register (issue 21; seed 003 p8): the courses an officer
//! completed, with topics and hours, and whether they meet the basic SRO
//! course rule ("no later than nine months after placement in a school ...
//! a basic SRO training course with 40 hours of curriculum") and the
//! agency's refresher cycle.

use crate::access::{Action, Actor, Policy, RecordFacts};
use crate::closed_set;
use crate::ids::{SchoolId, UserId};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

closed_set!(
    /// Training topics: the basic course and 003 p8's recommended topics,
    /// with 004's seclusion-and-restraint and mandatory reporting.
    Topic {
        /// The basic SRO course: roles and responsibilities (the 40 hours).
        SroBasic = "sro_basic",
        RoleLimits = "role_limits", MentalHealth = "mental_health", CivilRights = "civil_rights",
        IncidentReporting = "incident_reporting", ProceduralJustice = "procedural_justice",
        MultitieredSupports = "multitiered_supports", CommunityPolicing = "community_policing",
        DeEscalation = "de_escalation", AdolescentDevelopment = "adolescent_development",
        DatingViolence = "dating_violence", Ferpa = "ferpa", SpecificGroups = "specific_groups",
        Disability = "disability", BiasFreePolicing = "bias_free_policing",
        AlternativesToArrest = "alternatives_to_arrest", TraumaInformed = "trauma_informed",
        BullyingPrevention = "bullying_prevention", DrugAlcohol = "drug_alcohol",
        SocialMedia = "social_media", EmergencyManagement = "emergency_management",
        Cpted = "cpted", ThreatAssessment = "threat_assessment", ActiveShooter = "active_shooter",
        RestorativePractices = "restorative_practices", SeclusionRestraint = "seclusion_restraint",
        MandatoryReporting = "mandatory_reporting", Other = "other",
    }
);

/// Hours of the basic course (003 p8).
pub const BASIC_HOURS: f64 = 40.0;
/// Months after placement by which the basic course is done (003 p8).
pub const BASIC_MONTHS: u32 = 9;
/// The most characters of a course's name.
pub const COURSE_MAX_CHARS: usize = 200;
/// The most hours one record may claim (a long academy course).
pub const HOURS_MAX: f64 = 400.0;

/// One completed course.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completed {
    pub course: String,
    pub topics: Vec<Topic>,
    pub hours: f64,
    pub completed_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TrainingProblem {
    #[error("name the course (at most {COURSE_MAX_CHARS} characters, one line)")]
    Course,
    #[error("give at least one topic, each once")]
    Topics,
    #[error("hours are more than 0 and at most {HOURS_MAX}")]
    Hours,
    #[error("a course is recorded once it is completed: today or earlier")]
    Ahead,
}

impl TrainingProblem {
    pub fn field(&self) -> &'static str {
        match self {
            Self::Course => "course",
            Self::Topics => "topics",
            Self::Hours => "hours",
            Self::Ahead => "completed_on",
        }
    }
}

impl Completed {
    /// The record as kept (course name trimmed), or what is wrong with it.
    pub fn checked(mut self, today: NaiveDate) -> Result<Self, TrainingProblem> {
        self.course = self.course.trim().to_owned();
        if self.course.is_empty()
            || self.course.chars().count() > COURSE_MAX_CHARS
            || self.course.chars().any(char::is_control)
        {
            return Err(TrainingProblem::Course);
        }
        let mut seen = self.topics.clone();
        seen.sort();
        seen.dedup();
        if self.topics.is_empty() || seen.len() != self.topics.len() {
            return Err(TrainingProblem::Topics);
        }
        if !(self.hours > 0.0 && self.hours <= HOURS_MAX) {
            return Err(TrainingProblem::Hours);
        }
        if self.completed_on > today {
            return Err(TrainingProblem::Ahead);
        }
        Ok(self)
    }
}

/// The agency's refresher cycle: once the basic course is done, `hours` of
/// further training in every `months` (an agency setting).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refresher {
    pub hours: f64,
    pub months: u32,
}

impl Default for Refresher {
    /// Eight hours a year, the common state minimum for in-service training
    /// in a specialty, until the agency sets its own.
    fn default() -> Self {
        Self {
            hours: 8.0,
            months: 12,
        }
    }
}

/// Where an officer stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Standing {
    /// The basic course is not done, and its deadline has not passed.
    BasicDue { by: NaiveDate, hours: f64 },
    /// The deadline passed without the basic course.
    BasicOverdue { since: NaiveDate, hours: f64 },
    /// The refresher cycle's hours are missing in the current cycle, whose
    /// end has passed.
    RefresherOverdue { since: NaiveDate, hours: f64 },
    /// Up to date; `late` when the basic course was finished after its
    /// deadline.
    Compliant {
        basic_done_on: NaiveDate,
        late: bool,
    },
}

impl Standing {
    /// Whether a supervisor should be told (the queue's officer line).
    pub fn is_flagged(&self) -> bool {
        matches!(
            self,
            Self::BasicOverdue { .. } | Self::RefresherOverdue { .. }
        )
    }
}

/// When an officer was first placed in a school: their earliest assignment
/// that names schools (`assignments`: effective date, whether it names
/// any); for an account from before assignments were kept, the day it was
/// created.
pub fn placed_on(assignments: &[(NaiveDate, bool)], created: NaiveDate) -> NaiveDate {
    assignments
        .iter()
        .filter(|(_, schools)| *schools)
        .map(|(d, _)| *d)
        .min()
        .unwrap_or(created)
}

/// Whether `actor` (of organisation `actor_org`) may do `action`
/// (`ReadTraining`, `RecordTraining`) to the register of `officer` (of
/// `officer_org`): the policy's grant for that officer, and only within the
/// actor's own organisation (command staff and admins hold theirs
/// "anywhere", which means anywhere in their agency).
pub fn may(
    policy: &Policy,
    actor: &Actor,
    actor_org: Option<Uuid>,
    officer: UserId,
    officer_org: Option<Uuid>,
    action: Action,
) -> bool {
    let facts = RecordFacts {
        officer,
        // No school: no training grant is by school.
        school: SchoolId::from_u128(0),
    };
    let same_org = match actor_org {
        // Only the deployment's own admin (from the shell) has no
        // organisation and reaches every one; anyone else reaches none.
        None => actor.role == crate::vocabulary::Role::Admin,
        Some(_) => crate::directory::manages(actor_org, officer_org),
    };
    policy.decide(actor, Some(&facts), action).is_allowed() && same_org
}

/// Hours in tenths, summed exactly: 19.2 + 7.1 + 7.4 + 6.3 is 40 hours,
/// which floating point adds to just under.
fn tenths(hours: f64) -> u64 {
    (hours * 10.0).round().max(0.0) as u64
}

fn plus_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m))
        .unwrap_or(NaiveDate::MAX)
}

/// An officer's standing on `today`, placed in a school on `placed_on`,
/// with `done` their completed courses.
pub fn standing(
    placed_on: NaiveDate,
    done: &[Completed],
    refresher: Refresher,
    today: NaiveDate,
) -> Standing {
    let deadline = plus_months(placed_on, BASIC_MONTHS);
    let mut basic: Vec<&Completed> = done
        .iter()
        .filter(|c| c.topics.contains(&Topic::SroBasic) && c.completed_on <= today)
        .collect();
    basic.sort_by_key(|c| c.completed_on);
    let mut sum = 0;
    let mut basic_done_on = None;
    for c in &basic {
        sum += tenths(c.hours);
        if sum >= tenths(BASIC_HOURS) {
            basic_done_on = Some(c.completed_on);
            break;
        }
    }
    let sum = sum as f64 / 10.0;
    let Some(done_on) = basic_done_on else {
        return if today <= deadline {
            Standing::BasicDue {
                by: deadline,
                hours: sum,
            }
        } else {
            Standing::BasicOverdue {
                since: deadline,
                hours: sum,
            }
        };
    };
    // Cycles run from the basic course's completion; each needs its hours
    // of other training. The one that ended last is what is checked (the
    // current one is still open).
    let months = refresher.months.max(1);
    // The cycle that ended last (a cycle is open through its last day);
    // an earlier cycle's shortfall made up since does not count against.
    let mut last = None;
    let mut start = done_on;
    loop {
        let end = plus_months(start, months);
        if end >= today {
            break;
        }
        last = Some((start, end));
        start = end;
    }
    if let Some((start, end)) = last {
        let hours: u64 = done
            .iter()
            .filter(|c| !c.topics.contains(&Topic::SroBasic))
            .filter(|c| c.completed_on > start && c.completed_on <= end)
            .map(|c| tenths(c.hours))
            .sum();
        if hours < tenths(refresher.hours) {
            return Standing::RefresherOverdue {
                since: end,
                hours: hours as f64 / 10.0,
            };
        }
    }
    Standing::Compliant {
        basic_done_on: done_on,
        late: done_on > deadline,
    }
}

#[cfg(test)]
mod tests;
