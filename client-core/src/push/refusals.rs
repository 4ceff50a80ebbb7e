//! The refusals the judgement makes that no other module words: each a
//! sentence for the officer, never with record contents.

use crate::document::DocId;
use crate::sync::{Refusal, RefusalCode};

pub(super) fn refuse(doc: DocId, code: RefusalCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        doc,
        code,
        reason: reason.into(),
        field: None,
    }
}

pub(super) fn invalid(doc: DocId, reason: impl Into<String>, field: &str) -> Refusal {
    Refusal {
        field: Some(field.into()),
        ..refuse(doc, RefusalCode::Invalid, reason)
    }
}

/// A record's other parts take their officer and school from its account.
pub(super) fn account_first(doc: DocId) -> Refusal {
    refuse(
        doc,
        RefusalCode::MissingDependencies,
        "push the record's account first",
    )
}

pub(super) fn unreadable(doc: DocId, e: impl std::fmt::Display) -> Refusal {
    refuse(
        doc,
        RefusalCode::Invalid,
        format!("the record cannot be read: {e}"),
    )
}

pub(super) fn forbidden(doc: DocId) -> Refusal {
    refuse(
        doc,
        RefusalCode::Forbidden,
        "you may not change this document",
    )
}
