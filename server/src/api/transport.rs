//! What every answer carries, whoever produced it (a handler, the router,
//! the static files, a limit layer): the security headers, `no-store` on the
//! API, HSTS over TLS, API.md's error shape on every 4xx; and the client's
//! address behind a trusted reverse proxy.

use super::AppState;
use super::error::{ApiError, ErrorBody, ErrorDetail};
use crate::proxies::TrustedProxies;
use crate::settings::Settings;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// The app is its own origin's scripts and styles only: no inline script or
/// style, no eval. `'wasm-unsafe-eval'` lets the domain core (wasm) compile,
/// and nothing else; the service worker and Chart.js (loaded on demand) are
/// same-origin files. The API answers get the same policy (they are never
/// documents, so it costs nothing and covers a JSON body opened in a tab).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Two years, the HSTS preload list's minimum being one.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Wraps the whole app: the outermost layers, so that they see every answer.
pub fn secure(router: Router<AppState>, settings: &Settings) -> Router<AppState> {
    let proxies = Arc::new(settings.trusted_proxies.clone());
    let always_hsts = settings.hsts;
    router
        // Limit and timeout layers answer with bare 413/408.
        .layer(axum::middleware::map_response(error_shape))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| forwarded(proxies.clone(), always_hsts, req, next),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // For browsers that predate CSP's frame-ancestors.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// Whether the request reached the client's side over TLS (directly, or
/// through a trusted proxy that says so), for the addresses a handler
/// builds (an identity provider's return address).
#[derive(Clone, Copy, Debug)]
pub struct OverTls(pub bool);

/// Behind a trusted proxy, the client's address (for the per-address login
/// limit) replaces the proxy's in `ConnectInfo`, so every handler that asks
/// for the peer gets the client. Answers under `/api/` carry tokens or
/// student data: no browser or proxy may keep them. HSTS goes with answers
/// that reached the client over TLS.
async fn forwarded(
    proxies: Arc<TrustedProxies>,
    always_hsts: bool,
    mut req: Request,
    next: Next,
) -> Response {
    let mut tls = always_hsts;
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if let Some(peer) = peer
        && proxies.trusts(peer.ip())
    {
        let headers = req.headers();
        let forwarded_for: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = proxies.client(peer.ip(), &forwarded_for);
        let proto = headers
            .get_all("x-forwarded-proto")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back();
        tls |= proxies.over_tls(peer.ip(), proto);
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, 0)));
    }
    req.extensions_mut().insert(OverTls(tls));
    let path = req.uri().path();
    let api = path == "/api" || path.starts_with("/api/");
    let mut res = next.run(req).await;
    if api {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if tls {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    res
}

/// The answer to a path under `/api/` that names no endpoint (and to
/// `/metrics`, which has its own address): a JSON 404, never the app's page.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Gives a 4xx that is not JSON API.md's error shape: the router's 404 and
/// 405 (which keeps its `Allow`), the extractors' rejections (their text
/// becomes the message), and the limit layers' bare 413 and 408.
pub async fn error_shape(r: Response) -> Response {
    let status = r.status();
    // JSON is already in the shape; HTML is a public page's own answer
    // (its form drawn again with the problems), which only a handler makes.
    let shaped = r.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
    });
    if !status.is_client_error() || shaped {
        return r;
    }
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => return ApiError::TooLarge.into_response(),
        StatusCode::REQUEST_TIMEOUT => return ApiError::Timeout.into_response(),
        StatusCode::NOT_FOUND => return keep_headers(r, ApiError::NotFound.into_response()),
        _ => {}
    }
    let (mut parts, body) = r.into_parts();
    // An encoded body (compressed further in) is no message.
    let encoded = parts.headers.remove(header::CONTENT_ENCODING).is_some();
    let text = match axum::body::to_bytes(body, 2048).await {
        Ok(b) if !encoded => String::from_utf8_lossy(&b).trim().to_owned(),
        _ => String::new(),
    };
    let reason = status.canonical_reason().unwrap_or("client error");
    let code = reason.to_ascii_lowercase().replace([' ', '-'], "_");
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        // axum adds the Allow header outside this layer, so it is not here
        // to copy (the message said "it takes " and nothing more).
        match parts
            .headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
        {
            Some(allowed) => format!("this path does not take that method; it takes {allowed}"),
            None => "this path does not take that method; the Allow header lists the ones it takes"
                .to_owned(),
        }
    } else if text.is_empty() {
        reason.to_owned()
    } else {
        text
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code,
            message,
            field: None,
            details: vec![],
        },
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&body).unwrap_or_default()),
    )
}

/// `error`'s status and body with `original`'s other headers.
fn keep_headers(original: Response, error: Response) -> Response {
    let (mut parts, _) = original.into_parts();
    let (error_parts, body) = error.into_parts();
    for name in [header::CONTENT_LENGTH, header::CONTENT_ENCODING] {
        parts.headers.remove(name);
    }
    for (name, value) in &error_parts.headers {
        parts
            .headers
            .insert::<HeaderName>(name.clone(), value.clone());
    }
    parts.status = error_parts.status;
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn shaped(r: Response) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let r = error_shape(r).await;
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.expect("body");
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).expect("json"),
        )
    }

    #[tokio::test]
    async fn bare_client_errors_get_the_error_shape() {
        let table = [
            (StatusCode::NOT_FOUND, "", "not_found"),
            (
                StatusCode::BAD_REQUEST,
                "Failed to deserialize",
                "bad_request",
            ),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "",
                "unsupported_media_type",
            ),
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "length limit exceeded",
                "too_large",
            ),
            (StatusCode::REQUEST_TIMEOUT, "", "timeout"),
        ];
        for (status, text, code) in table {
            let (got, headers, body) = shaped(
                (
                    status,
                    [(header::CONTENT_LENGTH, text.len().to_string())],
                    text.to_owned(),
                )
                    .into_response(),
            )
            .await;
            assert_eq!(got, status, "{code}");
            assert_eq!(body["error"]["code"], code, "{body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
            assert!(body["error"].get("field").is_some());
            assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        }
        let (_, _, body) = shaped(
            (
                StatusCode::BAD_REQUEST,
                "Failed to deserialize query string",
            )
                .into_response(),
        )
        .await;
        assert_eq!(
            body["error"]["message"],
            "Failed to deserialize query string"
        );
        let (status, headers, body) = shaped(
            (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "GET,HEAD")],
            )
                .into_response(),
        )
        .await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers[header::ALLOW], "GET,HEAD");
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }

    #[tokio::test]
    async fn json_errors_and_successes_pass_unchanged() {
        let own = ApiError::Forbidden.into_response();
        let (status, _, body) = shaped(own).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        let ok = error_shape((StatusCode::OK, "plain").into_response()).await;
        let bytes = axum::body::to_bytes(ok.into_body(), 100)
            .await
            .expect("body");
        assert_eq!(&bytes[..], b"plain");
    }
}
