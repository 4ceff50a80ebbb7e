//! The annual program assessment (issue 21; 003 p10: "an annual assessment
//! of the SRO program"), one per school year and organisation, for command
//! staff and the district: review completion and findings, the review
//! meetings held at each school, complaints by disposition, and training
//! compliance. The transparency tables come beside it, as published.
//!
//! Each count table is one-way (its rows and their total) and suppressed as
//! reports are (`report::suppress`): a row below the threshold is withheld,
//! and so is a complementary one where the total would give it away. The
//! meetings are not counts of people but of the program's own meetings,
//! which 003 p6 asks to be held at every school; they are shown whole.
//!
//! An assessment is made once, the first time it is asked for after its
//! school year closed, and kept (the server freezes it): a later review or
//! closed complaint would otherwise move a count by one between two reads
//! and tell a reader which.

use crate::complaint::workflow::Finding as Disposition;
use crate::complaint::{ComplaintKind, ComplaintStatus};
use crate::ids::SchoolId;
use crate::report::{Cell, suppress};
use crate::training::Standing;
use crate::vocabulary::Finding;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the server loads for a school year and organisation.
#[derive(Clone, Debug, Default)]
pub struct Tallies {
    /// Each submitted record of the year that needed review: its latest
    /// finding, `None` while not reviewed.
    pub reviews: Vec<Option<Finding>>,
    /// Review meetings held in the year, by school (every school of the
    /// organisation, with 0 where none was held).
    pub meetings: Vec<(SchoolId, String, u64)>,
    /// Each filing received in the year: its kind, where it stands, and
    /// its finding (a disposition counts once the complaint is closed).
    pub complaints: Vec<(ComplaintKind, ComplaintStatus, Option<Disposition>)>,
    /// Each officer's placement in a school and training standing on the
    /// year's last day.
    pub training: Vec<(NaiveDate, Standing)>,
    /// The school year's last day.
    pub last_day: NaiveDate,
}

/// A one-way table as published: each row's count and the total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub rows: Vec<(String, Cell)>,
    pub total: Cell,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meetings {
    pub school_id: SchoolId,
    pub school: String,
    pub held: u64,
}

/// The assessment as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// Records that needed review, by their latest finding, and those not
    /// reviewed.
    pub reviews: Table,
    /// The share of them reviewed, when both numbers behind it are published.
    pub reviewed_percent: Option<u64>,
    pub meetings: Vec<Meetings>,
    /// Complaints by disposition, and those still open.
    pub complaints: Table,
    /// Compliments and feedback, beside the complaints.
    pub other_filings: Table,
    /// Officers by training standing.
    pub training: Table,
    pub threshold: u64,
}

/// Row names as the wire spells them.
pub const NOT_REVIEWED: &str = "not_reviewed";
pub const OPEN: &str = "open";

/// A one-way table, suppressed; with its total withheld, every row is: the
/// zeros beside a withheld row would say it holds everyone (four officers,
/// all overdue, and a reader of "0, withheld, 0, 0" knows each one is).
fn table(rows: Vec<(String, u64)>, threshold: u64) -> Table {
    let cells: Vec<Vec<u64>> = rows.iter().map(|(_, n)| vec![*n]).collect();
    let published = suppress(&cells, threshold);
    let hidden = Cell {
        count: None,
        suppressed: true,
    };
    let all_hidden = published.total.count.is_none();
    Table {
        rows: rows
            .into_iter()
            .zip(published.cells)
            .map(|((name, _), row)| (name, if all_hidden { hidden } else { row[0] }))
            .collect(),
        total: published.total,
    }
}

fn count<T>(items: &[T], f: impl Fn(&T) -> bool) -> u64 {
    items.iter().filter(|x| f(x)).count() as u64
}

/// The standings' row names, in the order the table lists them.
fn standing_name(s: &Standing) -> &'static str {
    match s {
        Standing::Compliant { .. } => "compliant",
        Standing::BasicDue { .. } => "basic_due",
        Standing::BasicOverdue { .. } => "basic_overdue",
        Standing::RefresherOverdue { .. } => "refresher_overdue",
    }
}

pub fn assess(t: &Tallies, threshold: u64) -> Assessment {
    let mut reviews: Vec<(String, u64)> = Finding::ALL
        .iter()
        .map(|f| (f.to_string(), count(&t.reviews, |r| *r == Some(*f))))
        .collect();
    reviews.push((NOT_REVIEWED.into(), count(&t.reviews, Option::is_none)));
    let reviews = table(reviews, threshold);
    let not_reviewed = reviews.rows.last().map_or(
        Cell {
            count: None,
            suppressed: true,
        },
        |(_, c)| *c,
    );
    let reviewed = match (reviews.total.count, not_reviewed.count) {
        (Some(all), Some(not)) => Cell {
            count: Some(all - not),
            suppressed: false,
        },
        _ => Cell {
            count: None,
            suppressed: true,
        },
    };
    let disposition =
        |(_, status, finding): &&(ComplaintKind, ComplaintStatus, Option<Disposition>)| {
            finding.filter(|_| *status == ComplaintStatus::Closed)
        };
    let complaints_only: Vec<_> = t
        .complaints
        .iter()
        .filter(|(k, _, _)| *k == ComplaintKind::Complaint)
        .collect();
    let mut dispositions: Vec<(String, u64)> = Disposition::ALL
        .iter()
        .map(|d| {
            (
                d.to_string(),
                count(&complaints_only, |c| disposition(c) == Some(*d)),
            )
        })
        .collect();
    dispositions.push((
        OPEN.into(),
        count(&complaints_only, |c| disposition(c).is_none()),
    ));
    let other: Vec<(String, u64)> = [ComplaintKind::Compliment, ComplaintKind::Feedback]
        .iter()
        .map(|k| {
            (
                k.to_string(),
                count(&t.complaints, |(kind, _, _)| kind == k),
            )
        })
        .collect();
    // Officers placed in a school by the year's last day: one placed later
    // was no part of that year's program.
    let officers: Vec<&Standing> = t
        .training
        .iter()
        .filter(|(placed, _)| *placed <= t.last_day)
        .map(|(_, s)| s)
        .collect();
    let training: Vec<(String, u64)> = [
        "compliant",
        "basic_due",
        "basic_overdue",
        "refresher_overdue",
    ]
    .iter()
    .map(|name| {
        (
            (*name).to_string(),
            count(&officers, |s| standing_name(s) == *name),
        )
    })
    .collect();
    Assessment {
        reviewed_percent: crate::report::percent(reviewed, reviews.total),
        reviews,
        meetings: t
            .meetings
            .iter()
            .map(|(id, name, held)| Meetings {
                school_id: *id,
                school: name.clone(),
                held: *held,
            })
            .collect(),
        complaints: table(dispositions, threshold),
        other_filings: table(other, threshold),
        training: table(training, threshold),
        threshold: threshold.max(crate::report::MIN_THRESHOLD),
    }
}

#[cfg(test)]
mod tests;
