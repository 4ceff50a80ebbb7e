//! What an annual assessment counts (issue 21), and the assessments as
//! first published (`client_core::assessment` decides what is counted and
//! published; this loads and keeps).

use super::directory::School;
use super::entity::{assessment, complaint, record, review_meeting, user, user_school};
use super::{Store, StoreError};
use client_core::complaint::workflow::Finding as Disposition;
use client_core::complaint::{ComplaintKind, ComplaintStatus};
use client_core::directory::OrgKind;
use client_core::document::{DocId, Document, actor_id};
use client_core::review::Reviews;
use client_core::vocabulary::{Finding, Role};
use client_core::{DeviceId, DocKind, RecordId, SchoolId, UserId};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Whom an organisation's assessment covers: an agency's own officers and
/// the schools they serve; a district's schools and the officers serving
/// them. Records are the officers' (agency) or the schools' (district).
#[derive(Clone, Debug)]
pub struct Covered {
    pub kind: OrgKind,
    pub org: Uuid,
    pub officers: Vec<UserId>,
    pub schools: Vec<School>,
}

impl Covered {
    fn records(&self) -> Condition {
        match self.kind {
            OrgKind::Agency => Condition::all()
                .add(record::Column::OfficerId.is_in(self.officers.iter().map(|o| o.0))),
            OrgKind::District => Condition::all()
                .add(record::Column::SchoolId.is_in(self.schools.iter().map(|s| s.id.0))),
        }
    }
}

impl Store {
    pub async fn covered(&self, org: Uuid, kind: OrgKind) -> Result<Covered, StoreError> {
        let schools = self.schools().await?;
        let assigned = user_school::Entity::find().all(self.db()).await?;
        let officers: BTreeSet<Uuid> = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Sro.as_str()))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|u| match kind {
                OrgKind::Agency => u.organization_id == Some(org),
                OrgKind::District => assigned.iter().any(|a| {
                    a.user_id == u.id
                        && schools
                            .iter()
                            .any(|s| s.id.0 == a.school_id && s.district_id == Some(org))
                }),
            })
            .map(|u| u.id)
            .collect();
        let schools = schools
            .into_iter()
            .filter(|s| match kind {
                OrgKind::District => s.district_id == Some(org),
                OrgKind::Agency => assigned
                    .iter()
                    .any(|a| a.school_id == s.id.0 && officers.contains(&a.user_id)),
            })
            .collect();
        Ok(Covered {
            kind,
            org,
            officers: officers.into_iter().map(UserId).collect(),
            schools,
        })
    }

    /// Each submitted record of `[from, to)` that needed review: its latest
    /// finding, `None` while not reviewed.
    pub async fn review_findings(
        &self,
        c: &Covered,
        from: i64,
        to: i64,
    ) -> Result<Vec<Option<Finding>>, StoreError> {
        let ids: Vec<Uuid> = record::Entity::find()
            .select_only()
            .column(record::Column::RecordId)
            .filter(c.records())
            .filter(record::Column::Status.eq("submitted"))
            .filter(record::Column::NeedsReview.eq(true))
            .filter(record::Column::OccurredAt.gte(from))
            .filter(record::Column::OccurredAt.lt(to))
            .into_tuple()
            .all(self.db())
            .await?;
        let docs: Vec<DocId> = ids
            .iter()
            .map(|r| DocId {
                record: RecordId(*r),
                kind: DocKind::Review,
            })
            .collect();
        let found = self.documents(self.db(), &docs).await?;
        let server = actor_id(UserId::from_u128(0), DeviceId::from_u128(0));
        docs.iter()
            .map(|id| match found.get(id) {
                None => Ok(None),
                Some(d) => {
                    let doc = Document::load(d.id, &d.snapshot, server.clone())
                        .map_err(|e| StoreError::Damaged(format!("review {}: {e}", d.id)))?;
                    let reviews: Reviews = if doc.is_empty() {
                        Reviews::default()
                    } else {
                        doc.read()
                            .map_err(|e| StoreError::Damaged(format!("review {}: {e}", d.id)))?
                    };
                    Ok(reviews.reviews.last().map(|r| r.finding))
                }
            })
            .collect()
    }

    /// Review meetings held at each covered school on `[from, to)` (days).
    /// An agency's are its own supervisors' (another agency's officers may
    /// serve the same school); a district's are every one at its schools.
    pub async fn meetings_held(
        &self,
        c: &Covered,
        from: &str,
        to: &str,
    ) -> Result<HashMap<SchoolId, u64>, StoreError> {
        let mut whose = Condition::all();
        if c.kind == OrgKind::Agency {
            let supervisors: Vec<Uuid> = user::Entity::find()
                .filter(user::Column::Role.eq(Role::Supervisor.as_str()))
                .filter(user::Column::OrganizationId.eq(c.org))
                .all(self.db())
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect();
            whose = whose.add(review_meeting::Column::SupervisorId.is_in(supervisors));
        }
        let mut out = HashMap::new();
        for m in review_meeting::Entity::find()
            .filter(whose)
            .filter(review_meeting::Column::SchoolId.is_in(c.schools.iter().map(|s| s.id.0)))
            .filter(review_meeting::Column::HeldOn.gte(from))
            .filter(review_meeting::Column::HeldOn.lt(to))
            .all(self.db())
            .await?
        {
            *out.entry(SchoolId(m.school_id)).or_default() += 1;
        }
        Ok(out)
    }

    /// Every filing received in `[from, to)` about the organisation: an
    /// agency's (those it was routed to), a district's (about its schools).
    pub async fn filings(
        &self,
        c: &Covered,
        from: i64,
        to: i64,
    ) -> Result<Vec<(ComplaintKind, ComplaintStatus, Option<Disposition>)>, StoreError> {
        let whose = match c.kind {
            OrgKind::Agency => Condition::all().add(complaint::Column::AgencyId.eq(c.org)),
            OrgKind::District => Condition::all()
                .add(complaint::Column::SchoolId.is_in(c.schools.iter().map(|s| s.id.0))),
        };
        complaint::Entity::find()
            .filter(whose)
            .filter(complaint::Column::ReceivedAt.gte(from))
            .filter(complaint::Column::ReceivedAt.lt(to))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| {
                let kind = ComplaintKind::parse(&m.kind)
                    .ok_or_else(|| StoreError::Damaged(format!("complaint {}: kind", m.id)))?;
                let status = ComplaintStatus::parse(&m.status)
                    .ok_or_else(|| StoreError::Damaged(format!("complaint {}: status", m.id)))?;
                Ok((
                    kind,
                    status,
                    m.finding.as_deref().and_then(Disposition::parse),
                ))
            })
            .collect()
    }

    /// The assessment of `year` as first published, if it was.
    pub async fn frozen_assessment(
        &self,
        org: Uuid,
        year: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(assessment::Entity::find_by_id((org, year.to_owned()))
            .one(self.db())
            .await?
            .map(|m| m.body))
    }

    /// Keeps `body` as the assessment of `year`, unless another process
    /// kept one first; answers with the one kept.
    pub async fn freeze_assessment(
        &self,
        org: Uuid,
        year: &str,
        body: String,
        now: i64,
    ) -> Result<String, StoreError> {
        let w = self.begin_write().await?;
        let kept = assessment::Entity::find_by_id((org, year.to_owned()))
            .one(&w.tx)
            .await?;
        let body = match kept {
            Some(m) => m.body,
            None => {
                assessment::Entity::insert(assessment::ActiveModel {
                    organization_id: Set(org),
                    school_year: Set(year.to_owned()),
                    body: Set(body.clone()),
                    made_at: Set(now),
                })
                .exec(&w.tx)
                .await?;
                body
            }
        };
        w.commit().await?;
        Ok(body)
    }
}
