//! Persistence: the only place that knows SQL and sea-orm. Everything it
//! hands upward is a client-core domain type or a plain struct.
//!
//! Every write takes the *write lock* (`begin_write`), so writers are totally
//! ordered (the change log, the access log's hash chain) and never break each
//! other's transactions: a PostgreSQL advisory transaction lock, shared by
//! every `serve` process on the database, behind an in-process queue; on the
//! embedded SQLite file, which only one process opens, the queue alone.

pub mod activity;
pub mod admin;
pub mod agreements;
pub mod assessments;
pub mod audit;
pub mod audit_query;
pub mod auth;
pub mod complaints;
pub mod directory;
pub mod documents;
pub mod entity;
pub mod identities;
pub mod invites;
pub mod meetings;
pub mod mfa;
pub mod overcalling;
pub mod projection;
pub mod redactions;
pub mod reports;
pub mod sessions;
pub mod settings;
pub mod training;
pub mod webhooks;

use crate::settings::Settings;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("could not create the data folder: {0}")]
    DataDir(std::io::Error),
    #[error("stored data is damaged: {0}")]
    Damaged(String),
    #[error("access log keys: {0}")]
    AuditKeys(String),
}

#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// Writers of this process queue here before they take a connection.
    /// On PostgreSQL the advisory lock then orders the processes; without
    /// this, a burst of writers each held a pooled connection while waiting
    /// for the advisory lock, starved the pool, and got 503s.
    writer: Arc<Mutex<()>>,
    sqlite: bool,
    /// The access log's chain and checkpoint keys (outside the database).
    audit: Arc<crate::audit_keys::AuditKeys>,
    /// When this deployment first ran the current rules
    /// (`client_core::rules::version::check`).
    rules_adopted_at: client_core::Timestamp,
}

/// A write transaction holding the write lock until commit or drop.
pub struct WriteTx {
    pub tx: DatabaseTransaction,
    _guard: OwnedMutexGuard<()>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Arbitrary key of the advisory lock that orders writers.
const WRITE_LOCK_KEY: i64 = 0x6669_656c_646c_6f67;

impl Store {
    /// Connects (creating the SQLite file if needed) and applies migrations.
    pub async fn open(settings: &Settings) -> Result<Self, StoreError> {
        let (url, sqlite) = match &settings.database_url {
            Some(url) if settings.is_postgres() => (url.clone(), false),
            Some(url) => (url.clone(), true),
            None => {
                // The database, its -wal and -shm are the server user's alone.
                let path = settings.data_dir.join("fieldlog.db");
                crate::files::private_dir(&settings.data_dir).map_err(StoreError::DataDir)?;
                crate::files::private_file(&path).map_err(StoreError::DataDir)?;
                crate::files::private_sqlite(&path).map_err(StoreError::DataDir)?;
                (format!("sqlite://{}?mode=rwc", path.display()), true)
            }
        };
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(settings.database_pool)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        if sqlite {
            // WAL lets readers run beside the writer; synchronous=FULL means an
            // acknowledged change survives a power cut, not just a crash.
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        }
        // Kept with the token signing key: the secrets folder when set.
        let keys_dir = settings.secrets_dir.as_ref().unwrap_or(&settings.data_dir);
        let audit = crate::audit_keys::AuditKeys::load_or_create(keys_dir)
            .map_err(StoreError::AuditKeys)?;
        let db = Database::connect(opts).await?;
        Migrator::up(&db, None).await?;
        let mut store = Self {
            writer: Arc::new(Mutex::new(())),
            sqlite,
            db,
            audit: Arc::new(audit),
            rules_adopted_at: client_core::Timestamp::from_millis(0),
        };
        store.rules_adopted_at = store.adopt_rules(crate::api::now()).await?;
        store.anchor_access_log().await?;
        store
            .settle_organizations(admin::FIRST_ORGANIZATIONS)
            .await?;
        Ok(store)
    }

    /// For reads. Every write goes through `begin_write`: on SQLite a write
    /// outside the queue, committed between a queued transaction's first
    /// read and its first write, makes that transaction fail at once with
    /// SQLITE_BUSY (a stale snapshot cannot wait for the lock), and the
    /// sync request holding it answered 503. Fifty sign-ins' inserts in the
    /// soak did that to a sync.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// When this deployment first ran the current rules: a record first
    /// submitted under older ones is taken only if submitted before then.
    pub fn rules_adopted_at(&self) -> client_core::Timestamp {
        self.rules_adopted_at
    }

    pub fn is_sqlite(&self) -> bool {
        self.sqlite
    }

    /// Documents stored (restore refuses a database that has any).
    pub async fn document_count(&self) -> Result<u64, StoreError> {
        use sea_orm::{EntityTrait, PaginatorTrait};
        Ok(entity::document::Entity::find().count(self.db()).await?)
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Begins a transaction that holds the global write lock.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let guard = self.writer.clone().lock_owned().await;
        let tx = self.db.begin().await?;
        if !self.sqlite {
            tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
                .await?;
        }
        Ok(WriteTx { tx, _guard: guard })
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use client_core::{Role, UserId};
    use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

    /// Login attempts older than every window leave the table (they were
    /// never pruned, so it grew by a row per sign-in for ever).
    #[tokio::test]
    async fn old_login_attempts_are_pruned() {
        use auth::{Attempt, AttemptLimits, KEEP_ATTEMPTS_MS, Reservation};
        let dir = std::env::temp_dir().join(format!("fieldlog-store-{}", uuid::Uuid::new_v4()));
        let settings = Settings {
            data_dir: dir.clone(),
            ..Settings::default()
        };
        let store = Store::open(&settings).await.expect("open");
        let limits = AttemptLimits {
            account_max: 5,
            account_window_ms: 900_000,
            address_max: 20,
            address_window_ms: 60_000,
        };
        let at = |t: i64| Attempt {
            username: "someone",
            address: "127.0.0.1",
            device: None,
            at: t,
        };
        for t in [0, 1_000, KEEP_ATTEMPTS_MS] {
            let r = store.reserve_login_attempt(&at(t), &limits).await;
            assert!(matches!(r, Ok(Reservation::Granted { .. })), "{r:?}");
        }
        let n = entity::login_attempt::Entity::find()
            .count(store.db())
            .await
            .expect("count");
        assert_eq!(n, 3, "all within a day are kept");
        let r = store
            .reserve_login_attempt(&at(KEEP_ATTEMPTS_MS + 1_001), &limits)
            .await;
        assert!(matches!(r, Ok(Reservation::Granted { .. })), "{r:?}");
        let n = entity::login_attempt::Entity::find()
            .count(store.db())
            .await
            .expect("count");
        assert_eq!(n, 2, "the two older than a day are gone");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The interleaving that made a sync answer 503 during the soak's
    /// sign-ins, made certain: a queued transaction reads, another write
    /// comes in, then the transaction writes.
    #[tokio::test]
    async fn a_write_outside_a_queued_transaction_waits_for_it_and_breaks_nothing() {
        let dir = std::env::temp_dir().join(format!("fieldlog-store-{}", uuid::Uuid::new_v4()));
        let settings = Settings {
            data_dir: dir.clone(),
            ..Settings::default()
        };
        let store = Store::open(&settings).await.expect("open");
        let w = store.begin_write().await.expect("begin");
        let before = entity::login_attempt::Entity::find()
            .count(&w.tx)
            .await
            .expect("read");
        let other = {
            let store = store.clone();
            tokio::spawn(async move { store.login_succeeded(1).await })
        };
        // Time for the other write to commit, if nothing holds it back.
        tokio::time::sleep(Duration::from_millis(300)).await;
        entity::login_attempt::ActiveModel {
            username: Set("a".into()),
            address: Set("127.0.0.1".into()),
            at: Set(1),
            success: Set(false),
            ..Default::default()
        }
        .insert(&w.tx)
        .await
        .expect("the queued transaction's write");
        w.commit().await.expect("commit");
        other.await.expect("join").expect("the other write, after");
        let after = entity::login_attempt::Entity::find()
            .count(store.db())
            .await
            .expect("read");
        assert_eq!(after, before + 1);
        let succeeded = entity::login_attempt::Entity::find_by_id(1)
            .one(store.db())
            .await
            .expect("read");
        assert!(
            succeeded.is_some_and(|a| a.success),
            "the other write ran after"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The review of the second-factor reset found it, made certain here: a
    /// refresh uses its token, a disable commits (every token revoked, the
    /// stamp moved), then the refresh stores its successor. Before, the
    /// successor was stored unrevoked and signed the account in again once
    /// it was enabled; now it is stored only under the stamp that stood
    /// when the old token was used.
    #[tokio::test]
    async fn a_successor_stored_after_a_disable_is_refused() {
        use auth::RefreshOutcome;
        let dir = std::env::temp_dir().join(format!("fieldlog-store-{}", uuid::Uuid::new_v4()));
        let settings = Settings {
            data_dir: dir.clone(),
            ..Settings::default()
        };
        let store = Store::open(&settings).await.expect("open");
        let user = UserId::from_u128(42);
        store
            .add_user(user, "sro.race", Role::Sro, "x", "stamp-1", &[], None, 0)
            .await
            .expect("user");
        let family = uuid::Uuid::from_u128(1);
        let far = i64::MAX / 2;
        let stored = store
            .add_refresh_token("h0", user, family, far, far, "stamp-1")
            .await
            .expect("store");
        assert!(stored);
        let RefreshOutcome::Rotated { stamp, .. } =
            store.use_refresh_token("h0", 1).await.expect("use")
        else {
            panic!("the token rotates");
        };
        assert_eq!(stamp, "stamp-1");
        store.set_disabled(user, true).await.expect("disable");
        let stored = store
            .add_refresh_token("h1", user, family, far, far, &stamp)
            .await
            .expect("store");
        assert!(!stored, "the successor of a token used before the disable");
        store.set_disabled(user, false).await.expect("enable");
        let next = store.use_refresh_token("h1", 2).await.expect("use");
        assert!(matches!(next, RefreshOutcome::Invalid), "{next:?}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
