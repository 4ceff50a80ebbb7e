//! Sign-in through an identity provider (issue 18, OpenID Connect).
//!
//! - `identity_links`: which account a provider's subject opens. One
//!   identity per account and provider, and one account per identity. The
//!   issuer is kept beside it: a provider id pointed at another issuer
//!   later must not let that issuer's subjects open the old links.
//! - `oidc_logins`: a sign-in between leaving for the provider and coming
//!   back: the state's digest (the key), the browser it was started in (a
//!   cookie's digest), the nonce and PKCE verifier. Kept in the database,
//!   not in a process, because several processes serve one database.
//! - `oidc_tickets`: the one-time ticket the app redeems for tokens after
//!   the provider sent the browser back (its digest), for two minutes, in
//!   the browser the sign-in was started in (the cookie's digest again).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdentityLinks {
    Table,
    Provider,
    Subject,
    UserId,
    Issuer,
    LinkedAt,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    StateHash,
    Provider,
    BrowserHash,
    Nonce,
    PkceVerifier,
    RedirectUri,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OidcTickets {
    Table,
    TicketHash,
    UserId,
    BrowserHash,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IdentityLinks::Table)
                .col(string(IdentityLinks::Provider))
                .col(string(IdentityLinks::Subject))
                .col(uuid(IdentityLinks::UserId))
                .col(string(IdentityLinks::Issuer))
                .col(big_integer(IdentityLinks::LinkedAt))
                .primary_key(
                    Index::create()
                        .col(IdentityLinks::Provider)
                        .col(IdentityLinks::Subject),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("identity_links_user")
                .table(IdentityLinks::Table)
                .col(IdentityLinks::Provider)
                .col(IdentityLinks::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OidcLogins::Table)
                .col(string(OidcLogins::StateHash).primary_key())
                .col(string(OidcLogins::Provider))
                .col(string(OidcLogins::BrowserHash))
                .col(string(OidcLogins::Nonce))
                .col(string(OidcLogins::PkceVerifier))
                .col(string(OidcLogins::RedirectUri))
                .col(big_integer(OidcLogins::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OidcTickets::Table)
                .col(string(OidcTickets::TicketHash).primary_key())
                .col(uuid(OidcTickets::UserId))
                .col(string(OidcTickets::BrowserHash))
                .col(big_integer(OidcTickets::ExpiresAt))
                .to_owned(),
        )
        .await
    }
}
