//! Searches, seizures and charges (rules version 2): each search and
//! seizure the record lists carries its legal basis (000 step 2: "improper
//! searches, seizures, or interrogations"; the data 003 p7 asks agencies to
//! analyse), and an arrest, citation or court referral says whether
//! charges were filed or referred and where they went (003 p7 "charges
//! brought on school grounds"; 003 p10 court involvement).

use super::{Problem, RuleCode, version};
use crate::record::Record;
use crate::vocabulary::ActionTaken;

pub(super) fn rules(r: &Record, out: &mut Vec<Problem>) {
    if version::applied(r) < 2 {
        return;
    }
    for action in r.actions.iter().filter(|a| a.is_search_or_seizure()) {
        if r.search_basis
            .as_ref()
            .and_then(|b| b.of(*action))
            .is_none()
        {
            let what = match action {
                ActionTaken::SearchPerson => "search of the person",
                ActionTaken::SearchProperty => "search of property",
                _ => "seizure",
            };
            out.push(Problem::incomplete(
                RuleCode::SearchBasisRequired,
                format!("search_basis.{action}"),
                format!("the legal basis of the {what} is required"),
            ));
        }
    }
    if r.actions.iter().any(|a| a.may_charge()) {
        match &r.charges {
            None => out.push(Problem::incomplete(
                RuleCode::Required,
                "charges.filed",
                "whether charges were filed or referred for charging is required",
            )),
            Some(c) if c.filed && c.court.is_none() => out.push(Problem::incomplete(
                RuleCode::Required,
                "charges.court",
                "where the charges went (or that it is not known yet) is required",
            )),
            Some(_) => {}
        }
    }
}
