//! The test harness: starts the real `server` binary on a fresh database
//! (a SQLite file in a temporary folder, or a new PostgreSQL database), with
//! the demo district, and offers typed helpers to talk to it.

pub mod attack;
pub mod bench_support;
pub mod idp;
pub mod second_factor;

use anyhow::{Context, Result, bail};
use client_core::replica::Replica;
use client_core::{DeviceId, UserId};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub const PASSWORD: &str = "fieldlog-demo-2026";

/// Which database a story runs on.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite,
    /// A fresh database created on the server named by `FIELDLOG_TEST_POSTGRES`.
    Postgres(String),
}

impl Db {
    /// SQLite always; PostgreSQL when `FIELDLOG_TEST_POSTGRES` is set, with a
    /// loud note when it is not.
    pub fn all() -> Vec<Db> {
        let mut v = vec![Db::Sqlite];
        match std::env::var("FIELDLOG_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => v.push(Db::Postgres(url)),
            _ => eprintln!("SKIPPED: the PostgreSQL variant (FIELDLOG_TEST_POSTGRES is not set)"),
        }
        v
    }

    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A response header as text, if present and readable.
pub fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The server binary of this build, built on demand.
pub fn server_binary() -> Result<PathBuf> {
    static BUILT: Mutex<bool> = Mutex::new(false);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let exe = std::env::current_exe()?;
    // target/<profile>/deps/<test> -> target/<profile>/server
    // target/<profile>/deps/<test> or target/<profile>/<bin> -> target/<profile>/server
    let mut dir = exe.parent().context("no target dir")?;
    if dir.ends_with("deps") {
        dir = dir.parent().context("no target dir")?;
    }
    let bin = dir.join("server");
    if !*built {
        let mut args = vec!["build", "-q", "-p", "server"];
        if dir.ends_with("release") {
            args.push("--release");
        }
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(workspace_root())
            .args(&args)
            .status()?;
        if !status.success() {
            bail!("building the server failed");
        }
        *built = true;
    }
    Ok(bin)
}

/// A running server and where its data lives.
pub struct TestServer {
    pub base: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    child: Child,
    /// Everything the server wrote to stderr (its logs), for the canary test.
    pub logs: Arc<Mutex<String>>,
    pub http: reqwest::Client,
    log_filter: &'static str,
    /// Extra settings (`FIELDLOG_*`) this server and its restarts run with.
    env: Vec<(String, String)>,
}

/// The stories read the server's debug logs (the canary test); benchmarks
/// run it as a deployment would.
const STORY_LOG: &str = "debug,sqlx=warn,sea_orm=warn,hyper=warn,h2=warn";
const BENCH_LOG: &str = "warn";

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn fresh_postgres(base: &str) -> Result<String> {
    let name = format!("fieldlog_test_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(base).await?;
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    db.close().await?;
    let (prefix, _) = base
        .rsplit_once('/')
        .context("FIELDLOG_TEST_POSTGRES has no database name")?;
    Ok(format!("{prefix}/{name}"))
}

impl TestServer {
    /// A fresh database with the demo district, and a server on it.
    pub async fn start(db: &Db) -> Result<Self> {
        let data_dir =
            std::env::temp_dir().join(format!("fieldlog-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let database_url = match db {
            Db::Sqlite => None,
            Db::Postgres(base) => Some(fresh_postgres(base).await?),
        };
        Self::spawn(data_dir, database_url, true, STORY_LOG, vec![]).await
    }

    /// `server restore --from backup` into a new, empty data folder (with a
    /// copy of this server's key files: secrets are never in a backup) and,
    /// on PostgreSQL, a new empty database; then a server on it.
    pub async fn restored(&self, db: &Db, backup: &Path) -> Result<Self> {
        let data_dir =
            std::env::temp_dir().join(format!("fieldlog-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir)?;
        for entry in std::fs::read_dir(&self.data_dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_file() && !name.starts_with("fieldlog.db") {
                std::fs::copy(&path, data_dir.join(name))?;
            }
        }
        let database_url = match db {
            Db::Sqlite => None,
            Db::Postgres(base) => Some(fresh_postgres(base).await?),
        };
        let mut cmd = Command::new(server_binary()?);
        cmd.arg("restore")
            .arg("--from")
            .arg(backup)
            .env("FIELDLOG_DATA_DIR", &data_dir)
            .env_remove("DATABASE_URL")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(url) = &database_url {
            cmd.env("DATABASE_URL", url);
        }
        let out = cmd.output()?;
        if !out.status.success() {
            bail!("restore: {}", String::from_utf8_lossy(&out.stderr));
        }
        Self::spawn(
            data_dir,
            database_url,
            false,
            self.log_filter,
            self.env.clone(),
        )
        .await
    }

    /// As `start`, with extra settings in the environment (`FIELDLOG_*`).
    pub async fn start_with(db: &Db, env: &[(&str, &str)]) -> Result<Self> {
        let mut s = Self::start(db).await?;
        s.env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        s.kill_and_restart().await
    }

    /// Stops this server (SIGKILL) and starts it again on the same data with
    /// these settings added (`FIELDLOG_*`).
    pub async fn restart_with(mut self, env: &[(&str, &str)]) -> Result<Self> {
        self.env
            .extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        self.kill_and_restart().await
    }

    /// As `start`, with the server logging warnings only (for benchmarks).
    pub async fn start_quiet(db: &Db) -> Result<Self> {
        let mut s = Self::start(db).await?;
        s.log_filter = BENCH_LOG;
        s.kill_and_restart().await
    }

    /// Another server process on the same database and data folder.
    pub async fn another(&self) -> Result<Self> {
        Self::spawn(
            self.data_dir.clone(),
            self.database_url.clone(),
            false,
            self.log_filter,
            self.env.clone(),
        )
        .await
    }

    /// Stops this server with SIGKILL (no graceful shutdown) and starts it again.
    pub async fn kill_and_restart(mut self) -> Result<Self> {
        self.child.kill()?;
        self.child.wait()?;
        let (dir, url, log, env) = (
            self.data_dir.clone(),
            self.database_url.clone(),
            self.log_filter,
            std::mem::take(&mut self.env),
        );
        // Dropping frees the old process's log and HTTP client; a kill loop
        // of fifty rounds leaked both for every round when this forgot them.
        drop(self);
        Self::spawn(dir, url, false, log, env).await
    }

    /// Adds a user through the server's own CLI (`server user add`), with the
    /// demo password.
    pub fn add_user(
        &self,
        username: &str,
        role: &str,
        school: client_core::SchoolId,
    ) -> Result<()> {
        let out = self.add_user_with_password(username, role, &[school], PASSWORD)?;
        if !out.status.success() {
            bail!(
                "user add {username}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// Runs `server user add` with `password` on standard input; the caller
    /// judges its exit.
    pub fn add_user_with_password(
        &self,
        username: &str,
        role: &str,
        schools: &[client_core::SchoolId],
        password: &str,
    ) -> Result<std::process::Output> {
        let schools: Vec<String> = schools.iter().map(|s| s.to_string()).collect();
        let mut args = vec!["user", "add", "--username", username, "--role", role];
        for school in &schools {
            args.extend(["--school", school]);
        }
        self.cli(&args, password)
    }

    /// Runs the server binary's subcommand `args` on this server's database,
    /// with `stdin` on standard input; the caller judges its exit.
    pub fn cli(&self, args: &[&str], stdin: &str) -> Result<std::process::Output> {
        use std::io::Write;
        let mut cmd = Command::new(server_binary()?);
        cmd.args(args)
            .env("FIELDLOG_DATA_DIR", &self.data_dir)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let mut child = cmd.spawn()?;
        child
            .stdin
            .take()
            .context("no stdin")?
            .write_all(stdin.as_bytes())?;
        Ok(child.wait_with_output()?)
    }

    async fn spawn(
        data_dir: PathBuf,
        database_url: Option<String>,
        demo: bool,
        log_filter: &'static str,
        env: Vec<(String, String)>,
    ) -> Result<Self> {
        let bin = server_binary()?;
        let mut cmd = Command::new(&bin);
        cmd.arg("serve")
            .env("FIELDLOG_LISTEN", "127.0.0.1:0")
            .env("FIELDLOG_DATA_DIR", &data_dir)
            .env("FIELDLOG_LOG", log_filter)
            // The demo draws a password per district unless told one.
            .env("FIELDLOG_DEMO_PASSWORD", PASSWORD)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if demo {
            cmd.arg("--demo-if-empty");
        }
        if let Some(url) = &database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let logs = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().context("no stderr")?;
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap_or_else(|e| e.into_inner());
                l.push_str(&line);
                l.push('\n');
            }
        });
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Fieldlog is listening on ") {
                    let _ = tx.send(rest.trim_end_matches('/').to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(std::time::Duration::from_secs(120)) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                bail!(
                    "the server did not start: {}",
                    logs.lock().map(|l| l.clone()).unwrap_or_default()
                );
            }
        };
        Ok(Self {
            base,
            data_dir,
            database_url,
            child,
            logs,
            http: http_client(),
            log_filter,
            env,
        })
    }

    /// A connection of the test's own to the server's database (read and
    /// write), for stories that set up or inspect what the API cannot.
    pub async fn open_database(&self) -> Result<sea_orm::DatabaseConnection> {
        let url = self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rw",
                self.data_dir.join("fieldlog.db").display()
            )
        });
        Ok(sea_orm::Database::connect(&url).await?)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in with the demo password; returns the login response.
    pub async fn login(&self, username: &str) -> Result<Session> {
        self.login_with(username, PASSWORD).await
    }

    /// Signs in with `password`.
    pub async fn login_with(&self, username: &str, password: &str) -> Result<Session> {
        let r = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await?;
        let status = r.status();
        let body: Value = r.json().await?;
        if !status.is_success() {
            bail!("login {username}: {status} {body}");
        }
        let body = second_factor::enrol_if_asked(&self.http, &self.base, body).await?;
        Ok(Session {
            token: body["access_token"].as_str().unwrap_or_default().to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            user: UserId(body["user"]["id"].as_str().unwrap_or_default().parse()?),
            me: body["user"].clone(),
        })
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> Result<(u16, Value)> {
        send(self.http.get(self.url(path)), token).await
    }

    pub async fn post_json(
        &self,
        token: Option<&str>,
        path: &str,
        body: &Value,
    ) -> Result<(u16, Value)> {
        self.post_raw(token, path, "application/json", serde_json::to_vec(body)?)
            .await
    }

    pub async fn put_json(
        &self,
        token: Option<&str>,
        path: &str,
        body: &Value,
    ) -> Result<(u16, Value)> {
        let rq = self
            .http
            .put(self.url(path))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body)?);
        send(rq, token).await
    }

    pub async fn patch_json(
        &self,
        token: Option<&str>,
        path: &str,
        body: &Value,
    ) -> Result<(u16, Value)> {
        send(self.http.patch(self.url(path)).json(body), token).await
    }

    pub async fn post_raw(
        &self,
        token: Option<&str>,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<(u16, Value)> {
        let rq = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        send(rq, token).await
    }

    /// Announces a body of `len` bytes, sends a little of it, and returns the
    /// status the server answers with (a server that refuses early closes the
    /// connection, so an ordinary client may only see a broken pipe).
    pub fn post_oversize(&self, token: &str, path: &str, len: usize) -> Result<(u16, String)> {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut tcp = std::net::TcpStream::connect(addr)?;
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        write!(
            tcp,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n"
        )?;
        let _ = tcp.write_all(&vec![b'x'; 1024]);
        let mut buf = [0u8; 4096];
        let n = tcp.read(&mut buf)?;
        let reply = String::from_utf8_lossy(&buf[..n]).into_owned();
        let status = reply
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("no HTTP status in the reply")?;
        Ok((status, reply))
    }

    /// Posts an already-encoded sync request once; the server's answer (which
    /// must be 200), decoded and as sent.
    pub async fn sync_once(
        &self,
        token: &str,
        body: Vec<u8>,
    ) -> Result<(client_core::sync::SyncResponse, Vec<u8>)> {
        let r = self
            .http
            .post(self.url("/api/v1/sync"))
            .bearer_auth(token)
            .body(body)
            .send()
            .await?;
        if r.status() != 200 {
            bail!("sync: {} {}", r.status(), r.text().await?);
        }
        let bytes = r.bytes().await?.to_vec();
        Ok((client_core::sync::SyncResponse::decode(&bytes)?, bytes))
    }

    /// One sync round trip for `replica`; returns the HTTP status.
    pub async fn sync(
        &self,
        token: &str,
        replica: &mut Replica,
    ) -> Result<client_core::replica::SyncReport> {
        loop {
            let body = replica.prepare_sync();
            let r = self
                .http
                .post(self.url("/api/v1/sync"))
                .bearer_auth(token)
                .header("content-type", "application/octet-stream")
                .body(body)
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("sync: {} {}", r.status(), r.text().await?);
            }
            let bytes = r.bytes().await?;
            let report = replica.receive_sync(&bytes)?;
            if !report.more {
                return Ok(report);
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Sends a request (with the bearer token, if any); the status and the body,
/// as JSON when it is JSON.
async fn send(mut rq: reqwest::RequestBuilder, token: Option<&str>) -> Result<(u16, Value)> {
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    let r = rq.send().await?;
    let status = r.status().as_u16();
    let text = r.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// Chooses rustls's crypto (ring) for this process, once: reqwest is
/// built with rustls and no provider, since the server picks ring for its
/// webhooks and features are shared across the workspace.
pub fn install_crypto() {
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
}

/// An HTTP client for talking to the server.
pub fn http_client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::new()
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Session {
    pub token: String,
    pub refresh: String,
    pub user: UserId,
    pub me: Value,
}

impl Session {
    pub fn replica(&self, device: u128) -> Replica {
        Replica::new(self.user, DeviceId::from_u128(device))
    }

    pub fn first_school(&self) -> client_core::SchoolId {
        self.me["schools"][0]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(client_core::SchoolId::from_u128(0))
    }
}
