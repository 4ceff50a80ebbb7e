//! The HTTP surface of API.md: one route table, one state, one error type.

pub mod activity;
pub mod admin;
pub mod agreements;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod complaints;
pub mod dashboards;
pub mod error;
pub mod extract;
pub mod health;
pub mod history;
pub mod identities;
pub mod incidents;
pub mod invites;
pub mod me;
pub mod mfa;
pub mod oidc;
pub mod openapi;
pub mod periods;
pub mod public_complaints;
pub mod public_page;
pub mod redactions;
pub mod reports;
pub mod reviews;
pub mod scope;
pub mod sessions;
pub mod sheet;
pub mod sync;
pub mod training;
pub mod transport;
pub mod webhooks;

use crate::auth::Keys;
use crate::settings::Settings;
use crate::store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{any, delete, get, patch, post, put};
use client_core::Policy;
use metrics_exporter_prometheus::PrometheusHandle;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The clock the handlers read (client-core never reads one).
pub fn now() -> client_core::Timestamp {
    client_core::Timestamp::from_millis(chrono::Utc::now().timestamp_millis())
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub keys: Keys,
    pub settings: Arc<Settings>,
    /// The federal default: the table of a caller with no agreement in
    /// force (each request's own is `Auth::policy`).
    pub policy: Arc<Policy>,
    pub metrics: Option<PrometheusHandle>,
    /// Closed years' report families, kept once computed.
    pub years: crate::published_years::PublishedYears,
    /// Closed years' staff requests, for the public page.
    pub staff_requests:
        crate::published_years::PublishedYears<crate::store::reports::StaffRequestCounts>,
}

impl AppState {
    /// The sync and redaction use cases' dependencies, under the caller's
    /// policy (`Auth::policy`).
    pub fn domain<'a>(&'a self, policy: &'a Policy) -> crate::sync::Domain<'a> {
        crate::sync::Domain {
            store: &self.store,
            policy,
        }
    }
}

pub fn router(state: AppState) -> Router {
    let limit = state.settings.body_limit;
    let timeout = Duration::from_secs(state.settings.request_timeout_secs);
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(sessions::logout))
        .route("/me/password", post(sessions::change_password))
        .route("/me/sessions", get(sessions::list))
        .route("/me/sessions/{id}", delete(sessions::end))
        .route("/auth/invite", post(invites::redeem))
        .route("/auth/mfa", post(mfa::verify))
        .route("/auth/mfa/enrol", post(mfa::enrol_at_sign_in))
        .route("/admin/settings/mfa", get(mfa::roles).put(mfa::set_roles))
        .route("/auth/oidc/providers", get(oidc::providers))
        .route("/auth/oidc/{provider}/start", get(oidc::start))
        .route("/auth/oidc/{provider}/callback", get(oidc::callback))
        .route("/auth/oidc/redeem", post(oidc::redeem))
        .route("/me/mfa/totp", post(mfa::enrol))
        .route("/me/mfa/totp/confirm", post(mfa::confirm))
        .route(
            "/admin/organizations",
            get(admin::organizations).post(admin::add_organization),
        )
        .route(
            "/admin/schools",
            get(admin::schools).post(admin::add_school),
        )
        .route("/admin/schools/{id}", patch(admin::change_school))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route(
            "/admin/users/{id}",
            get(admin::user).patch(admin::change_user),
        )
        .route("/admin/users/{id}/assignments", put(admin::assign))
        .route("/admin/users/{id}/mfa", delete(mfa::reset))
        .route("/admin/users/{id}/identities", get(identities::list))
        .route(
            "/admin/users/{id}/identities/{provider}",
            put(identities::link).delete(identities::unlink),
        )
        .route(
            "/admin/users/{id}/password-reset",
            post(invites::password_reset),
        )
        .route(
            "/admin/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route("/admin/webhooks/{id}", delete(webhooks::delete))
        .route(
            "/agreements",
            get(agreements::list).post(agreements::create),
        )
        .route("/agreements/{id}/sign", post(agreements::sign))
        .route("/assessments/{school_year}", get(assessments::get_one))
        .route("/admin/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/me", get(me::me))
        .route("/sync", post(sync::sync))
        .route("/incidents", post(incidents::create).get(incidents::list))
        .route("/incidents/{id}", get(incidents::get_one))
        .route("/incidents/{id}/redactions", post(redactions::create))
        .route("/incidents/{id}/history", get(history::get))
        .route("/dashboards/overcalling", get(dashboards::overcalling))
        .route("/dashboards/activity", get(activity::activity))
        .route("/reviews/queue", get(reviews::queue))
        .route("/reviews", post(reviews::create))
        .route(
            "/reviews/meetings",
            post(reviews::add_meeting).get(reviews::meetings),
        )
        .route("/review-periods", get(periods::get).put(periods::put))
        .route("/reports/disaggregated", get(reports::disaggregated))
        .route("/audit", get(audit::list))
        .route("/audit/verify", get(audit::verify).post(audit::verify_held))
        .route(
            "/audit/checkpoints",
            get(audit::checkpoints).post(audit::make_checkpoint),
        )
        .route("/complaints", get(complaints::list))
        .route("/complaints/people", get(complaints::people))
        .route("/complaints/{id}", get(complaints::get_one))
        .route("/complaints/{id}/events", post(complaints::add_event))
        .route("/public/complaints", post(public_complaints::create))
        .route(
            "/public/complaints/{tracking_code}",
            get(public_complaints::get_status),
        )
        .route("/training", get(training::list).post(training::create))
        .route("/training/compliance", get(training::compliance))
        .route("/openapi.json", get(openapi::document))
        // A wrong path under the API is a JSON 404, not the app's page.
        .fallback(transport::not_found);
    let web = match &state.settings.web_dir {
        Some(dir) if dir.join("index.html").exists() => web(dir),
        _ => Router::new().route("/", get(health::placeholder)),
    };
    let app = Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(health::healthz))
        .route(
            "/public/complaints",
            get(public_page::form_page).post(public_page::submit),
        )
        .route("/public/complaints/status", get(public_page::status_page))
        .route("/public/public.css", get(public_page::css))
        .route("/public/transparency", get(public_page::transparency_latest))
        .route(
            "/public/transparency/{school_year}",
            get(public_page::transparency_page),
        )
        // Metrics have their own address (`metrics_listen`).
        .route("/metrics", any(transport::not_found))
        .route("/api", any(transport::not_found))
        .route("/api/", any(transport::not_found))
        .route("/api/{*rest}", any(transport::not_found))
        .merge(web)
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // Ids and counts only: the path (never the query string, which
                // could carry a username or a tracking code) and the user id,
                // filled in by auth.
                let path = logged_path(req.uri().path());
                tracing::info_span!("request", method = %req.method(), path = %path, user = tracing::field::Empty)
            }),
        )
        // Before compression: rejections' text becomes the error message.
        .layer(axum::middleware::map_response(transport::error_shape))
        // Sync bodies are many small Automerge changes sharing keys and
        // values; gzip on the wire roughly halves them.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(tower_http::decompression::RequestDecompressionLayer::new().gzip(true))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        // The same limit again on what the handler reads, which is the body
        // after gzip decoding: the outer limit only sees the compressed bytes,
        // and a small gzip bomb would otherwise inflate into gigabytes.
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit));
    let settings = state.settings.clone();
    transport::secure(app, &settings).with_state(state)
}

/// A path as the request log shows it: a complaint's tracking code is its
/// filer's only key, so it never reaches a log.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/api/v1/public/complaints/") {
        "/api/v1/public/complaints/{tracking_code}"
    } else {
        path
    }
}

/// The built app (`cargo xtask web`). Each file goes out as the `.br` or
/// `.gz` written beside it at build time, whichever the browser accepts, or
/// as it is. Vite names every file under `/assets/` by its content, so a
/// browser keeps those for good; the shell (`index.html`, the service worker,
/// the manifest) names them, and is revalidated on every load so that a new
/// build is seen at once. Any other path is the app's page (its router's).
fn web(dir: &Path) -> Router<AppState> {
    let assets = ServeDir::new(dir.join("assets"))
        .precompressed_br()
        .precompressed_gzip();
    let shell = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    // A missing asset is a 404 (never the page, which would be kept for good
    // under the asset's name), and no error is kept.
    let kept = |r: &axum::response::Response| {
        (r.status().is_success() || r.status() == StatusCode::NOT_MODIFIED)
            .then(|| HeaderValue::from_static("public, max-age=31536000, immutable"))
    };
    Router::new()
        .nest_service("/assets", assets)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            kept,
        ))
        .fallback_service(shell)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
