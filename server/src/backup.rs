//! `server backup --to PATH` and `server restore --from PATH` (issue 18).
//!
//! A backup is always one SQLite file, whichever database the deployment
//! runs on, so one restore path serves both and an agency can move from
//! SQLite to PostgreSQL (or back) with the same two commands.
//! - From SQLite, `VACUUM INTO`: one statement that writes a consistent,
//!   compacted copy from a read snapshot while the server keeps writing (the
//!   online backup API's guarantee; sqlx does not bind that API).
//! - From PostgreSQL, every table is copied inside one read-only
//!   REPEATABLE READ transaction: one snapshot, however long the copy takes.
//!   `pg_dump` does the same for the database alone (README).
//!
//! The backup holds no secret: the token signing keys and the access-log
//! keys live in the data or secrets folder and are backed up apart, so a
//! stolen backup can neither mint tokens nor rewrite the log unnoticed.
//! Restore goes into an empty database only, migrates the backup to this
//! binary's schema first (on a copy; the backup file is never changed), and
//! copies every table in one write transaction.

use crate::store::Store;
use crate::store::entity::*;
use anyhow::{Context, bail};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    IdenStatic, IntoActiveModel, IsolationLevel, Iterable, PaginatorTrait, PrimaryKeyToColumn,
    PrimaryKeyTrait, QueryOrder, TransactionTrait,
};
use std::path::Path;

/// Rows copied, per table, in copy order.
pub type Summary = Vec<(&'static str, u64)>;

/// Tables a backup leaves out: `public_posts` is the per-address limit's
/// last day, kept apart from the filings and never worth restoring; the
/// OpenID sign-ins under way last minutes, and a restore ends them anyway.
pub const NOT_BACKED_UP: &[&str] = &["public_posts", "oidc_logins", "oidc_tickets"];

/// Every table, parents before children (all but `NOT_BACKED_UP`).
macro_rules! each_table {
    ($f:ident, $src:expr, $dst:expr) => {
        vec![
            $f::<organization::Entity>($src, $dst).await?,
            $f::<school::Entity>($src, $dst).await?,
            $f::<user::Entity>($src, $dst).await?,
            $f::<invite::Entity>($src, $dst).await?,
            $f::<assignment::Entity>($src, $dst).await?,
            $f::<totp::Entity>($src, $dst).await?,
            $f::<identity_link::Entity>($src, $dst).await?,
            $f::<user_school::Entity>($src, $dst).await?,
            $f::<supervision::Entity>($src, $dst).await?,
            $f::<refresh_token::Entity>($src, $dst).await?,
            $f::<login_attempt::Entity>($src, $dst).await?,
            $f::<document::Entity>($src, $dst).await?,
            $f::<change::Entity>($src, $dst).await?,
            $f::<record::Entity>($src, $dst).await?,
            $f::<record_student::Entity>($src, $dst).await?,
            $f::<access_log::Entity>($src, $dst).await?,
            $f::<audit_checkpoint::Entity>($src, $dst).await?,
            $f::<setting::Entity>($src, $dst).await?,
            $f::<review_meeting::Entity>($src, $dst).await?,
            $f::<redaction::Entity>($src, $dst).await?,
            $f::<complaint::Entity>($src, $dst).await?,
            $f::<complaint_event::Entity>($src, $dst).await?,
            $f::<training::Entity>($src, $dst).await?,
            $f::<webhook::Entity>($src, $dst).await?,
            $f::<webhook_delivery::Entity>($src, $dst).await?,
            $f::<agreement::Entity>($src, $dst).await?,
            $f::<assessment::Entity>($src, $dst).await?,
        ]
    };
}

pub async fn backup(store: &Store, to: &Path) -> anyhow::Result<Summary> {
    if to.exists() {
        bail!("{} exists; a backup never overwrites a file", to.display());
    }
    // 0600 from the first moment: a backup holds every record.
    crate::files::private_file(to)?;
    if store.is_sqlite() {
        // An empty file is allowed as VACUUM INTO's target.
        let path = to
            .to_str()
            .context("the backup path is not UTF-8")?
            .replace('\'', "''");
        store
            .db()
            .execute_unprepared(&format!("VACUUM INTO '{path}'"))
            .await
            .context("VACUUM INTO")?;
        let copy = open_sqlite(to).await?;
        return Ok(each_table!(count, &copy, &copy));
    }
    let dst = open_sqlite(to).await?;
    Migrator::up(&dst, None).await?;
    let snapshot = store
        .db()
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let summary = each_table!(copy, &snapshot, &dst);
    snapshot.commit().await?;
    Ok(summary)
}

pub async fn restore(store: &Store, from: &Path) -> anyhow::Result<Summary> {
    if !from.is_file() {
        bail!("{}: no such backup file", from.display());
    }
    if store.user_count().await? > 0 || store.document_count().await? > 0 {
        bail!("the database is not empty; restore goes into an empty data folder or database");
    }
    // Migrate a private copy to this binary's schema; the backup stays as it was.
    let work = std::env::temp_dir().join(format!("fieldlog-restore-{}.db", uuid::Uuid::new_v4()));
    crate::files::private_file(&work)?;
    std::fs::copy(from, &work).with_context(|| format!("reading {}", from.display()))?;
    let result = async {
        let src = open_sqlite(&work).await?;
        Migrator::up(&src, None).await?;
        // Restored onto other keys, the log could never verify again.
        if store.signed_with_these_keys(&src).await? == Some(false) {
            bail!(
                "the backup's access log was signed with other keys: put that server's \
                 audit-keys.json (and audit-anchored) in this server's secrets or data folder first"
            );
        }
        let w = store.begin_write().await?;
        // The empty database's own start-up entries give way to the backup's.
        access_log::Entity::delete_many().exec(&w.tx).await?;
        audit_checkpoint::Entity::delete_many().exec(&w.tx).await?;
        setting::Entity::delete_many().exec(&w.tx).await?;
        let summary = each_table!(copy, &src, &w.tx);
        if !store.is_sqlite() {
            reset_sequences(&w.tx).await?;
        }
        w.commit().await?;
        anyhow::Ok(summary)
    }
    .await;
    let _ = std::fs::remove_file(&work);
    result
}

async fn open_sqlite(path: &Path) -> anyhow::Result<DatabaseConnection> {
    Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .with_context(|| format!("opening {}", path.display()))
}

fn table<E: EntityTrait>() -> &'static str {
    E::default().table_name()
}

async fn count<E>(
    src: &impl ConnectionTrait,
    _: &impl ConnectionTrait,
) -> anyhow::Result<(&'static str, u64)>
where
    E: EntityTrait,
    E::Model: Sync,
{
    Ok((table::<E>(), E::find().count(src).await?))
}

/// Copies one table in pages, in primary-key order.
async fn copy<E>(
    src: &impl ConnectionTrait,
    dst: &impl ConnectionTrait,
) -> anyhow::Result<(&'static str, u64)>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let mut q = E::find();
    for pk in E::PrimaryKey::iter() {
        q = q.order_by_asc(pk.into_column());
    }
    let mut pages = q.paginate(src, 500);
    let mut n = 0;
    while let Some(rows) = pages.fetch_and_next().await? {
        if rows.is_empty() {
            break;
        }
        n += rows.len() as u64;
        E::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(dst)
            .await
            .with_context(|| format!("copying {}", table::<E>()))?;
    }
    Ok((table::<E>(), n))
}

/// PostgreSQL's sequences do not move when rows arrive with their ids:
/// without this the next login attempt or log entry would collide.
async fn reset_sequences(tx: &impl ConnectionTrait) -> anyhow::Result<()> {
    async fn one<E: EntityTrait>(tx: &impl ConnectionTrait) -> anyhow::Result<()> {
        if !<E::PrimaryKey as PrimaryKeyTrait>::auto_increment() {
            return Ok(());
        }
        for pk in E::PrimaryKey::iter() {
            let (t, c) = (table::<E>(), pk.into_column().as_str());
            tx.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('\"{t}\"', '{c}'), \
                 COALESCE((SELECT MAX(\"{c}\") FROM \"{t}\"), 0) + 1, false)"
            ))
            .await?;
        }
        Ok(())
    }
    one::<login_attempt::Entity>(tx).await?;
    one::<change::Entity>(tx).await?;
    one::<access_log::Entity>(tx).await?;
    one::<complaint_event::Entity>(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DatabaseBackend, FromQueryResult, Statement};

    /// A backup copies every table the migrations make: a table left out of
    /// `each_table!` was lost by every backup and restore without a word.
    #[tokio::test]
    async fn a_backup_copies_every_table() {
        #[derive(FromQueryResult)]
        struct Name {
            name: String,
        }
        let dir = std::env::temp_dir().join(format!("fieldlog-backup-{}", uuid::Uuid::new_v4()));
        let settings = crate::settings::Settings {
            data_dir: dir.clone(),
            ..Default::default()
        };
        let store = Store::open(&settings).await.expect("open");
        let mut tables: Vec<String> = Name::find_by_statement(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'",
        ))
        .all(store.db())
        .await
        .expect("tables")
        .into_iter()
        .map(|n| n.name)
        .filter(|n| !NOT_BACKED_UP.contains(&n.as_str()))
        .collect();
        tables.sort();
        let file = dir.join("copy.db");
        let mut copied: Vec<String> = backup(&store, &file)
            .await
            .expect("backup")
            .into_iter()
            .map(|(t, _)| t.to_owned())
            .collect();
        copied.sort();
        assert_eq!(copied, tables);
        let _ = std::fs::remove_dir_all(dir);
    }
}
