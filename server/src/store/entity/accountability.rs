//! Row types of the accountability loop (issue 21): complaints, training,
//! webhooks and agreements.

pub mod complaint {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "complaints")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tracking_hash: String,
        pub kind: String,
        pub status: String,
        pub agency_id: Option<Uuid>,
        pub school_id: Option<Uuid>,
        pub incident_date: Option<String>,
        pub officer_description: Option<String>,
        pub description: String,
        /// JSON, only when volunteered.
        pub contact: Option<String>,
        /// JSON, only when volunteered.
        pub complainant: Option<String>,
        pub investigator_id: Option<Uuid>,
        pub finding: Option<String>,
        /// JSON list of user ids.
        pub officers: String,
        /// JSON list of record ids.
        pub records: String,
        pub due_on: String,
        pub received_at: i64,
        pub updated_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod complaint_event {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "complaint_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub complaint_id: Uuid,
        pub at: i64,
        pub by: Uuid,
        pub kind: String,
        /// The event as sent (`complaint::workflow::Event`), JSON.
        pub body: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod public_post {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "public_posts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub address: String,
        pub kind: String,
        pub at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod training {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "training")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub officer_id: Uuid,
        pub course: String,
        /// JSON list of `training::Topic`.
        pub topics: String,
        pub hours: f64,
        /// `YYYY-MM-DD`.
        pub completed_on: String,
        pub recorded_by: Uuid,
        pub recorded_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod webhook {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhooks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub url: String,
        /// JSON list of `webhook::EventType`.
        pub events: String,
        /// What the signing secret is derived from; not the secret.
        pub nonce: String,
        /// Whose events it gets (`client_core::webhook::reaches`).
        pub organization_id: Option<Uuid>,
        pub created_by: Uuid,
        pub created_at: i64,
        pub deleted_at: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod webhook_delivery {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_deliveries")]
    pub struct Model {
        /// The `webhook-id` header, the same on every try.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub webhook_id: Uuid,
        pub event_type: String,
        /// The JSON sent: the event's type, time and ids.
        pub body: String,
        pub created_at: i64,
        pub attempts: i32,
        /// When to try next; `None` once delivered or given up.
        pub next_at: Option<i64>,
        pub lease_until: Option<i64>,
        pub delivered_at: Option<i64>,
        pub last_status: Option<i32>,
        pub last_error: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod agreement {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreements")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub agency_id: Uuid,
        pub district_id: Uuid,
        /// `YYYY-MM-DD`.
        pub effective_from: String,
        pub review_by: String,
        pub published_url: String,
        /// `client_core::agreement::Terms` as JSON.
        pub terms: String,
        pub recorded_by: Uuid,
        pub recorded_at: i64,
        pub agency_signed_by: Option<Uuid>,
        pub agency_signed_at: Option<i64>,
        pub district_signed_by: Option<Uuid>,
        pub district_signed_at: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod assessment {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "assessments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub school_year: String,
        pub body: String,
        pub made_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
