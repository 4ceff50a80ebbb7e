//! Row types of sign-in through an identity provider (issue 18, OpenID
//! Connect; migration 22 says what each keeps and why).

pub mod identity_link {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "identity_links")]
    pub struct Model {
        /// The provider's id in the settings.
        #[sea_orm(primary_key, auto_increment = false)]
        pub provider: String,
        /// The provider's `sub`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject: String,
        pub user_id: Uuid,
        /// The provider's issuer when the link was made.
        pub issuer: String,
        pub linked_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod oidc_login {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "oidc_logins")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub state_hash: String,
        pub provider: String,
        pub browser_hash: String,
        pub nonce: String,
        pub pkce_verifier: String,
        pub redirect_uri: String,
        pub created_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod oidc_ticket {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "oidc_tickets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub ticket_hash: String,
        pub user_id: Uuid,
        pub browser_hash: String,
        pub expires_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
