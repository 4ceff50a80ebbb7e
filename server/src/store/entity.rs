//! Row types, one module per table. Only the `store` modules see these;
//! everything above them speaks client-core's domain types.

pub mod school {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "schools")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub created_at: i64,
        /// IANA, e.g. `America/Chicago` (`client_core::local_time::Zone`).
        pub time_zone: String,
        pub district_id: Option<Uuid>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub username: String,
        pub role: String,
        pub password_hash: String,
        pub security_stamp: String,
        pub disabled: bool,
        pub locked_until: Option<i64>,
        pub created_at: i64,
        /// Moves on a new password or a disable: the devices' wrapping
        /// secrets change with it (`Keys::device_secret`).
        pub device_epoch: i32,
        pub display_name: Option<String>,
        pub organization_id: Option<Uuid>,
        /// `client_core::agreement::vouched_by` (migration 21).
        pub vouched_by: Option<Uuid>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod organization {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organizations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// `agency` or `district` (`client_core::directory::OrgKind`).
        pub kind: String,
        pub name: String,
        pub created_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invite {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invites")]
    pub struct Model {
        /// SHA-256 of the token, hex: the token itself is never stored.
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub user_id: Uuid,
        pub expires_at: i64,
        pub used_at: Option<i64>,
        pub created_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod assignment {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "assignments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        /// The school ids, as a JSON array.
        pub schools: String,
        pub supervisor_id: Option<Uuid>,
        /// `YYYY-MM-DD`.
        pub effective_from: String,
        pub set_by: Uuid,
        pub set_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user_school {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_schools")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub school_id: Uuid,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod supervision {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "supervisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub supervisor_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub officer_id: Uuid,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod refresh_token {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refresh_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub user_id: Uuid,
        pub family: Uuid,
        pub expires_at: i64,
        pub used_at: Option<i64>,
        pub revoked: bool,
        /// The sign-in's absolute end; refreshing never moves it.
        pub session_expires_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_attempt {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub username: String,
        pub address: String,
        pub at: i64,
        pub success: bool,
        /// The lockout bucket: `None` for an unknown device, else the id in
        /// its device cookie.
        pub device: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod document {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "documents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub doc_id: String,
        pub record_id: Uuid,
        pub kind: String,
        pub officer_id: Uuid,
        pub school_id: Uuid,
        pub snapshot: Vec<u8>,
        pub updated_at: i64,
        pub generation: i32,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod change {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "changes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub doc_id: String,
        pub record_id: Uuid,
        pub kind: String,
        pub officer_id: Uuid,
        pub school_id: Uuid,
        pub hash: Vec<u8>,
        pub bytes: Vec<u8>,
        pub author: Uuid,
        pub received_at: i64,
        pub generation: i32,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod record {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "records")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub record_id: Uuid,
        pub officer_id: Uuid,
        pub school_id: Uuid,
        pub occurred_at: i64,
        pub status: String,
        pub location: Option<String>,
        pub initiated_by: Option<String>,
        pub staff_role: Option<String>,
        pub staff_id: Option<String>,
        pub category: Option<String>,
        pub would_warrant911: Option<bool>,
        pub actions: String,
        pub flags: String,
        pub needs_review: bool,
        pub submitted_at: Option<i64>,
        pub updated_at: i64,
        /// Arrests + citations + searches, for the officer-outlier rule.
        pub enforcement: i32,
        /// The projection's version (`documents::PROJECTION`).
        pub projection: i32,
        /// When the server first received the record as submitted
        /// (`flag::received_submitted`); lateness and a school year's
        /// tables rest on it. Kept, never re-derived: the log may be redacted.
        pub received_submitted_at: Option<i64>,
        /// `client_core::record::not_a_safety_matter` (migration 11): what
        /// the over-calling view counts.
        pub not_safety_matter: bool,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod access_log {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub at: i64,
        pub user_id: Option<Uuid>,
        pub role: Option<String>,
        pub event: String,
        pub record_id: Option<Uuid>,
        pub student_refs: String,
        pub fields: String,
        pub endpoint: String,
        pub purpose: String,
        pub prev_hash: String,
        pub hash: String,
        /// How `hash` was made (`store::audit`): 1 plain SHA-256, 2 keyed.
        pub version: i32,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_checkpoint {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_checkpoints")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub entries: i64,
        pub hash: String,
        pub at: i64,
        pub key_id: String,
        pub signature: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod record_student {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "record_students")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub record_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub idx: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub source: String,
        pub race: String,
        pub hispanic_latino: Option<bool>,
        pub sex: Option<String>,
        pub disability: Option<String>,
        pub english_learner: Option<String>,
        pub age: Option<i32>,
        pub grade: Option<i32>,
        pub student_key: Option<Uuid>,
        pub occurred_at: Option<i64>,
        pub submitted: bool,
        /// The record's `received_submitted_at`: a year counts the rows
        /// received as submitted before its cutoff.
        pub received_submitted_at: Option<i64>,
        pub offense: Option<String>,
        pub race_ethnicity: Option<String>,
        pub age_band: Option<String>,
        pub o_search: i32,
        pub o_citation: i32,
        pub o_referral: i32,
        pub o_arrest: i32,
        pub o_restraint: i32,
        pub o_physical_restraint: i32,
        pub o_mechanical_restraint: i32,
        pub o_use_of_force: i32,
        /// School staff asked for the interaction, and whether it was not
        /// a safety matter (migration 18): frozen with the row, for the
        /// public page's staff requests.
        pub staff_requested: bool,
        pub not_safety_matter: bool,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod setting {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub updated_at: i64,
        pub updated_by: Option<Uuid>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod review_meeting {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "review_meetings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub supervisor_id: Uuid,
        pub period: String,
        pub held_on: String,
        pub school_id: Uuid,
        pub attendees: String,
        pub notes: Option<String>,
        pub created_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod redaction {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "redactions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub record_id: Uuid,
        pub by_user: Uuid,
        pub at: i64,
        pub reason: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod totp {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "totp")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// What the secret is derived from (`mfa::secret`); not the secret.
        pub nonce: String,
        pub confirmed: bool,
        /// The last time step a code was accepted for.
        pub last_step: i64,
        pub created_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod accountability;
pub use accountability::{
    agreement, assessment, complaint, complaint_event, public_post, training, webhook,
    webhook_delivery,
};

mod identity;
pub use identity::{identity_link, oidc_login, oidc_ticket};
