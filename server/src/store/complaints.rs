//! Complaints as stored (issue 21): filings, their handling's events, and
//! the per-address limit of public posts. What a filing may hold and who may
//! act on it is client-core's `complaint`; this module loads and persists.

use super::audit::Entry;
use super::entity::{complaint, complaint_event, public_post, user, user_school};
use super::{Store, StoreError};
use client_core::complaint::workflow::ComplaintFacts;
use client_core::complaint::workflow::Finding;
use client_core::complaint::{ComplaintKind, ComplaintStatus};
use client_core::{Role, SchoolId, UserId};
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// Public posts are remembered this long, for the limit only.
const KEEP_POSTS_MS: i64 = 24 * 3_600_000;

/// How many posts of one kind an address may make in a window.
#[derive(Clone, Copy, Debug)]
pub struct PostLimit {
    pub kind: &'static str,
    pub max: u64,
    pub window_ms: i64,
}

/// A complaint's facts as the workflow reads them, from its row.
pub fn facts(row: &complaint::Model) -> Result<ComplaintFacts, StoreError> {
    let bad = |what: &str| StoreError::Damaged(format!("complaint {}: {what}", row.id));
    Ok(ComplaintFacts {
        kind: ComplaintKind::parse(&row.kind).ok_or_else(|| bad("kind"))?,
        status: ComplaintStatus::parse(&row.status).ok_or_else(|| bad("status"))?,
        agency: row.agency_id,
        investigator: row.investigator_id.map(UserId),
        officers: serde_json::from_str(&row.officers).map_err(|_| bad("officers"))?,
        finding: match &row.finding {
            Some(f) => Some(Finding::parse(f).ok_or_else(|| bad("finding"))?),
            None => None,
        },
        due_on: row.due_on.parse().map_err(|_| bad("due_on"))?,
    })
}

impl Store {
    /// Counts a public post from `address` against `limit`, atomically:
    /// `Some(retry_after_ms)` when the address has used its allowance.
    /// Posts older than a day are forgotten here.
    pub async fn reserve_public_post(
        &self,
        address: &str,
        limit: PostLimit,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let w = self.begin_write().await?;
        let recent = public_post::Entity::find()
            .filter(public_post::Column::Address.eq(address))
            .filter(public_post::Column::Kind.eq(limit.kind))
            .filter(public_post::Column::At.gte(now - limit.window_ms))
            .order_by_asc(public_post::Column::At)
            .all(&w.tx)
            .await?;
        if recent.len() as u64 >= limit.max {
            let oldest = recent[recent.len() - limit.max as usize].at;
            return Ok(Some((oldest + limit.window_ms - now).max(1_000)));
        }
        public_post::ActiveModel {
            address: Set(address.to_owned()),
            kind: Set(limit.kind.to_owned()),
            at: Set(now),
            ..Default::default()
        }
        .insert(&w.tx)
        .await?;
        public_post::Entity::delete_many()
            .filter(public_post::Column::At.lt(now - KEEP_POSTS_MS.max(limit.window_ms)))
            .exec(&w.tx)
            .await?;
        w.commit().await?;
        Ok(None)
    }

    /// The agencies whose officers are assigned to `school` now.
    pub async fn agencies_serving(&self, school: SchoolId) -> Result<Vec<Uuid>, StoreError> {
        let officers: Vec<Uuid> = user_school::Entity::find()
            .filter(user_school::Column::SchoolId.eq(school.0))
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| r.user_id)
            .collect();
        let mut out: Vec<Uuid> = user::Entity::find()
            .filter(user::Column::Id.is_in(officers))
            .filter(user::Column::Role.eq(Role::Sro.as_str()))
            .all(self.db())
            .await?
            .into_iter()
            .filter_map(|u| u.organization_id)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// A user's organisation and whether they are disabled.
    pub async fn membership(
        &self,
        id: UserId,
    ) -> Result<Option<(Option<Uuid>, Role, bool)>, StoreError> {
        let Some(u) = user::Entity::find_by_id(id.0).one(self.db()).await? else {
            return Ok(None);
        };
        let role = Role::parse(&u.role)
            .ok_or_else(|| StoreError::Damaged(format!("user {}: role", u.id)))?;
        Ok(Some((u.organization_id, role, u.disabled)))
    }

    pub async fn add_complaint(&self, row: complaint::Model, log: Entry) -> Result<(), StoreError> {
        let w = self.begin_write().await?;
        let (id, at, agency) = (row.id, row.received_at, row.agency_id);
        complaint::ActiveModel::from(row).insert(&w.tx).await?;
        let event = client_core::webhook::EventType::ComplaintReceived;
        let body = crate::webhooks::payload(
            event,
            serde_json::json!({"complaint_id": id}),
            client_core::Timestamp::from_millis(at),
        );
        super::webhooks::enqueue_in(&w.tx, event, agency, &body, at).await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// The status a tracking code's hash stands for.
    pub async fn complaint_by_code(
        &self,
        tracking_hash: &str,
    ) -> Result<Option<complaint::Model>, StoreError> {
        Ok(complaint::Entity::find()
            .filter(complaint::Column::TrackingHash.eq(tracking_hash))
            .one(self.db())
            .await?)
    }

    /// The complaints a handler might read, newest first: those of their
    /// agency or of none (`manages`), and those assigned to them. The
    /// workflow decides on each.
    pub async fn complaints_for(
        &self,
        user: UserId,
        org: Option<Uuid>,
        manages: bool,
    ) -> Result<Vec<complaint::Model>, StoreError> {
        let mut reach = Condition::any().add(complaint::Column::InvestigatorId.eq(user.0));
        // Command staff of no agency reach none (`workflow::view` agrees).
        if let (true, Some(o)) = (manages, org) {
            reach = reach
                .add(complaint::Column::AgencyId.is_null())
                .add(complaint::Column::AgencyId.eq(o));
        }
        Ok(complaint::Entity::find()
            .filter(reach)
            .order_by_desc(complaint::Column::ReceivedAt)
            .all(self.db())
            .await?)
    }

    pub async fn complaint(
        &self,
        id: Uuid,
    ) -> Result<Option<(complaint::Model, Vec<complaint_event::Model>)>, StoreError> {
        let Some(row) = complaint::Entity::find_by_id(id).one(self.db()).await? else {
            return Ok(None);
        };
        let events = complaint_event::Entity::find()
            .filter(complaint_event::Column::ComplaintId.eq(id))
            .order_by_asc(complaint_event::Column::Id)
            .all(self.db())
            .await?;
        Ok(Some((row, events)))
    }

    /// Keeps one event and the complaint after it, if the complaint is
    /// still as it was read (`seen_updated_at`): `false` when another
    /// event came first (the caller answers 409 and nothing is written).
    pub async fn add_complaint_event(
        &self,
        after: complaint::Model,
        seen_updated_at: i64,
        event: complaint_event::Model,
        log: Entry,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let id = after.id;
        let moved = complaint::Entity::update_many()
            .set(complaint::ActiveModel {
                status: Set(after.status),
                agency_id: Set(after.agency_id),
                investigator_id: Set(after.investigator_id),
                finding: Set(after.finding),
                officers: Set(after.officers),
                records: Set(after.records),
                due_on: Set(after.due_on),
                updated_at: Set(after.updated_at),
                ..Default::default()
            })
            .filter(complaint::Column::Id.eq(id))
            .filter(complaint::Column::UpdatedAt.eq(seen_updated_at))
            .exec(&w.tx)
            .await?;
        if moved.rows_affected != 1 {
            return Ok(false);
        }
        complaint_event::ActiveModel {
            complaint_id: Set(event.complaint_id),
            at: Set(event.at),
            by: Set(event.by),
            kind: Set(event.kind),
            body: Set(event.body),
            ..Default::default()
        }
        .insert(&w.tx)
        .await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(true)
    }

    /// Usernames of `ids`, for naming handlers.
    pub async fn usernames_of(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect())
    }

    /// The enabled users of organisation `org` (of every one for `None`):
    /// id, username, display name, role.
    pub async fn members(
        &self,
        org: Option<Uuid>,
    ) -> Result<Vec<(Uuid, String, Option<String>, Role)>, StoreError> {
        let mut q = user::Entity::find().filter(user::Column::Disabled.eq(false));
        if let Some(o) = org {
            q = q.filter(user::Column::OrganizationId.eq(o));
        }
        Ok(q.order_by_asc(user::Column::Username)
            .all(self.db())
            .await?
            .into_iter()
            .filter_map(|u| Some((u.id, u.username, u.display_name, Role::parse(&u.role)?)))
            .collect())
    }
}
