//! Agreements as stored (issue 21): one row each, never changed; which one
//! binds whom is `client_core::agreement`'s to say.

use super::audit::Entry;
use super::entity::agreement;
use super::{Store, StoreError};
use client_core::agreement::Agreement;
use client_core::directory::OrgKind;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

fn to_agreement(m: agreement::Model) -> Result<Agreement, StoreError> {
    let damaged = |what: &str| StoreError::Damaged(format!("agreement {}: {what}", m.id));
    Ok(Agreement {
        id: m.id,
        agency: m.agency_id,
        district: m.district_id,
        effective_from: m
            .effective_from
            .parse()
            .map_err(|_| damaged("effective_from"))?,
        review_by: m.review_by.parse().map_err(|_| damaged("review_by"))?,
        terms: serde_json::from_str(&m.terms).map_err(|_| damaged("terms"))?,
        published_url: m.published_url,
        recorded_at: m.recorded_at,
        agency_signed_at: m.agency_signed_at,
        district_signed_at: m.district_signed_at,
    })
}

impl Store {
    /// `client_core::agreement::vouched_by` of `user`'s account.
    pub async fn vouched_by(&self, user: client_core::UserId) -> Result<Option<Uuid>, StoreError> {
        Ok(super::entity::user::Entity::find_by_id(user.0)
            .one(self.db())
            .await?
            .and_then(|u| u.vouched_by))
    }

    /// The agreements `org` is a party to (every one for `None`), oldest
    /// recorded first. Every signed-in request reads its organisation's,
    /// so an agreement binds in every process from the moment it is stored.
    pub async fn agreements(&self, org: Option<Uuid>) -> Result<Vec<Agreement>, StoreError> {
        let mut q = agreement::Entity::find();
        if let Some(org) = org {
            q = q.filter(
                Condition::any()
                    .add(agreement::Column::AgencyId.eq(org))
                    .add(agreement::Column::DistrictId.eq(org)),
            );
        }
        q.order_by_asc(agreement::Column::RecordedAt)
            .order_by_asc(agreement::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(to_agreement)
            .collect()
    }

    /// Stores an agreement, signed by the party `by` recorded it for (none
    /// for the deployment's own admin), with the admin's access-log entry.
    pub async fn add_agreement(
        &self,
        a: &Agreement,
        by: client_core::UserId,
        log: Entry,
    ) -> Result<(), StoreError> {
        let terms = serde_json::to_string(&a.terms)
            .map_err(|e| StoreError::Damaged(format!("agreement terms: {e}")))?;
        let signer = |at: Option<i64>| at.map(|_| by.0);
        let w = self.begin_write().await?;
        agreement::ActiveModel {
            id: Set(a.id),
            agency_id: Set(a.agency),
            district_id: Set(a.district),
            effective_from: Set(a.effective_from.to_string()),
            review_by: Set(a.review_by.to_string()),
            published_url: Set(a.published_url.clone()),
            terms: Set(terms),
            recorded_by: Set(by.0),
            recorded_at: Set(a.recorded_at),
            agency_signed_by: Set(signer(a.agency_signed_at)),
            agency_signed_at: Set(a.agency_signed_at),
            district_signed_by: Set(signer(a.district_signed_at)),
            district_signed_at: Set(a.district_signed_at),
        }
        .insert(&w.tx)
        .await?;
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)
    }

    /// `party`'s signature on agreement `id`, by `by` at `at`, if that party
    /// has not signed it yet; `false` otherwise (a concurrent signature won).
    pub async fn sign_agreement(
        &self,
        id: Uuid,
        party: OrgKind,
        by: client_core::UserId,
        at: i64,
        log: Entry,
    ) -> Result<bool, StoreError> {
        let w = self.begin_write().await?;
        let (signed_at, signed_by) = match party {
            OrgKind::Agency => (
                agreement::Column::AgencySignedAt,
                agreement::Column::AgencySignedBy,
            ),
            OrgKind::District => (
                agreement::Column::DistrictSignedAt,
                agreement::Column::DistrictSignedBy,
            ),
        };
        let done = agreement::Entity::update_many()
            .col_expr(signed_at, Expr::value(at))
            .col_expr(signed_by, Expr::value(by.0))
            .filter(agreement::Column::Id.eq(id))
            .filter(signed_at.is_null())
            .exec(&w.tx)
            .await?
            .rows_affected
            == 1;
        if !done {
            return Ok(false);
        }
        let signed = self.log_access_in(&w, &[log]).await?;
        w.commit().await?;
        self.anchored_by(signed)?;
        Ok(true)
    }
}
