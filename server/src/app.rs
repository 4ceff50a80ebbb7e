//! Start-up: settings -> telemetry -> store -> the chosen command.

use crate::api::{AppState, router};
use crate::auth::Keys;
use crate::cli::{Cli, Command, KeysCommand, SchoolCommand, SettingsCommand};
use crate::settings::Settings;
use crate::store::Store;
use crate::store::directory::new_id;
use anyhow::{Context, bail};
use client_core::{Policy, Role, SchoolId, Timestamp};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub fn run(cli: Cli) -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("FIELDLOG_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if let Command::Openapi = cli.command {
        // The document comes from the code: no settings, no database.
        use utoipa::OpenApi;
        println!(
            "{}",
            crate::api::openapi::ApiDoc::openapi().to_pretty_json()?
        );
        return Ok(());
    }
    let config = match &cli.command {
        Command::Serve { config, .. } => config.clone(),
        _ => None,
    };
    let settings = Settings::load(config.as_deref()).context("reading settings")?;
    if let Command::Keys { command } = &cli.command {
        // Keys only: no database.
        return keys(&settings, command);
    }
    tracing::info!(settings = ?settings, "starting");
    let store = Store::open(&settings)
        .await
        .context("opening the database")?;
    match cli.command {
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Serve { demo_if_empty, .. } => {
            if demo_if_empty && store.user_count().await? == 0 {
                let password = crate::demo::password();
                let logins = crate::demo::create(&store, &password).await?;
                print_logins(&logins, &password);
            }
            serve(settings, store).await
        }
        // Done above, before any database is opened.
        Command::Openapi | Command::Keys { .. } => Ok(()),
        Command::Demo => {
            if store.user_count().await? > 0 {
                bail!(
                    "the database already has users; the demo district goes into an empty database"
                );
            }
            let password = crate::demo::password();
            let logins = crate::demo::create(&store, &password).await?;
            print_logins(&logins, &password);
            Ok(())
        }
        Command::School {
            command: SchoolCommand::Add { name, time_zone },
        } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 200 {
                bail!("--name must be 1-200 characters");
            }
            let Some(zone) = client_core::local_time::Zone::parse(&time_zone) else {
                bail!("--time-zone {time_zone:?} is not an IANA time zone such as America/Chicago");
            };
            let id = SchoolId(new_id());
            store
                .add_school(id, name, zone, None, now_ms(), None)
                .await?;
            println!("{id}");
            Ok(())
        }
        Command::User { command } => crate::user_admin::run(&store, &settings, command).await,
        Command::Settings {
            command: SettingsCommand::DeviceRetention { periods },
        } => {
            store
                .set_device_retention_periods(periods, now_ms())
                .await?;
            println!("phones keep {periods} review period(s) of synced records");
            Ok(())
        }
        Command::Backup { to } => {
            let summary = crate::backup::backup(&store, &to).await?;
            print_summary(&format!("backup written to {}", to.display()), &summary);
            Ok(())
        }
        Command::Restore { from } => {
            let summary = crate::backup::restore(&store, &from).await?;
            print_summary(&format!("restored from {}", from.display()), &summary);
            Ok(())
        }
    }
}

fn print_summary(what: &str, tables: &crate::backup::Summary) {
    println!("{what}:");
    for (table, rows) in tables {
        println!("  {table:<20} {rows:>10} rows");
    }
}

fn print_logins(logins: &[(String, Role, String)], password: &str) {
    // The one place a password is printed: the operator who created the demo
    // needs it, and it is drawn anew for every demo (issue 16, finding 16).
    println!("\nDemo district created. Logins (password for all: {password}):");
    for (user, role, note) in logins {
        println!("  {user:<22} {:<14} {note}", role.as_str());
    }
    println!();
}

async fn serve(settings: Settings, store: Store) -> anyhow::Result<()> {
    let policy = Policy::federal_default();
    let reprojected = crate::projection::reproject(
        crate::sync::Domain {
            store: &store,
            policy: &policy,
        },
        Timestamp::from_millis(now_ms()),
    )
    .await
    .context("bringing the record projection up to date")?;
    if reprojected > 0 {
        tracing::info!(
            records = reprojected,
            "record projection brought up to date"
        );
    }
    // On PostgreSQL the data folder holds the keys alone; private all the same.
    crate::files::private_dir(&settings.data_dir)
        .with_context(|| format!("the data folder {}", settings.data_dir.display()))?;
    let keys = Keys::load_or_create(&settings.keys_dir()?, &settings.issuer, &settings.audience)?;
    let header_timeout = Duration::from_secs(settings.header_timeout_secs.max(1));
    let metrics = match &settings.metrics_listen {
        Some(listen) => Some(serve_metrics(listen, header_timeout).await?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let state = AppState {
        store,
        keys,
        settings: Arc::new(settings),
        policy: Arc::new(policy),
        metrics,
        years: Default::default(),
        staff_requests: Default::default(),
    };
    // The webhook outbox's sender, in every process (they share it by lease).
    tokio::spawn(crate::webhooks::run(
        state.store.clone(),
        state.keys.clone(),
        state.settings.clone(),
    ));
    println!("Fieldlog is listening on http://{addr}/");
    tracing::info!(%addr, "listening");
    accept_loop(listener, router(state), header_timeout).await;
    tracing::info!("stopped");
    Ok(())
}

/// `/metrics` on its own address (`metrics_listen`), never the public port.
async fn serve_metrics(
    listen: &str,
    header_timeout: Duration,
) -> anyhow::Result<metrics_exporter_prometheus::PrometheusHandle> {
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("installing the metrics recorder")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("metrics: listening on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "metrics listening");
    let app = crate::api::health::metrics_router(handle.clone());
    tokio::spawn(accept_loop(listener, app, header_timeout));
    Ok(handle)
}

/// `server keys ...`
fn keys(settings: &Settings, command: &KeysCommand) -> anyhow::Result<()> {
    let dir = settings.keys_dir()?;
    let kids = match command {
        KeysCommand::List => crate::auth::list_keys(&dir)?,
        KeysCommand::Rotate => crate::auth::rotate_keys(&dir)?,
        KeysCommand::Retire { kid } => crate::auth::retire_key(&dir, kid)?,
    };
    for kid in &kids {
        println!("{kid}");
    }
    if !matches!(command, KeysCommand::List) {
        eprintln!(
            "{}: restart every server process; the last key signs from its next start",
            dir.join("keys.json").display()
        );
    }
    Ok(())
}

/// Serves connections until SIGTERM or Ctrl-C, then lets open requests finish
/// (for at most 30 s). Unlike `axum::serve`, hyper gets a timer here, so a
/// connection that sends half its headers and hangs is closed after
/// `header_timeout` instead of holding its task forever; a body that stalls
/// is answered by the request timeout layer.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    header_timeout: Duration,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = tcp.set_nodelay(true);
        let service = app
            .clone()
            .layer(axum::Extension(axum::extract::ConnectInfo(remote)))
            .map_request(|r: axum::http::Request<hyper::body::Incoming>| {
                r.map(axum::body::Body::new)
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(
                TokioIo::new(tcp),
                hyper_util::service::TowerToHyperService::new(service),
            );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("open connections did not finish within 30 s");
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
