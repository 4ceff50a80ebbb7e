//! `/healthz`, `/metrics` (on its own address), and the placeholder page served until the web app is built.

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use metrics_exporter_prometheus::PrometheusHandle;

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// The router of the metrics address (`metrics_listen`): `/metrics` alone.
pub fn metrics_router(handle: PrometheusHandle) -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || async move { handle.render() }),
        )
        .fallback(|| async { super::error::ApiError::NotFound })
}

pub async fn placeholder() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fieldlog</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body><main><h1>Fieldlog</h1><p>The sync server is running. The officer's app is not \
         built yet; the API is at <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>\
         </main></body></html>",
    )
}
