//! The one error type handlers return, and the only place that maps errors
//! to status codes and API.md's error shape.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use client_core::rules::Problem;
use serde::Serialize;

#[derive(Debug)]
pub enum ApiError {
    /// 400: not JSON, not a valid sync payload.
    BadRequest { code: &'static str, message: String },
    /// 401: no token, or a token that does not verify.
    Unauthenticated,
    /// 401 on login: wrong username or password (never says which).
    BadCredentials,
    /// 401: the account is disabled (every request and refresh from the
    /// moment an admin disables it).
    AccountDisabled,
    /// 401 on refresh: the sign-in reached its absolute end (the agency's
    /// session length); the user signs in again.
    SessionExpired,
    /// 403: signed in, not allowed.
    Forbidden,
    /// 404: not found, or not allowed to know it exists.
    NotFound,
    /// 409: already exists.
    Conflict(String),
    /// 413
    TooLarge,
    /// 408: the request did not arrive (or finish) within the request timeout.
    Timeout,
    /// 422: a field is wrong.
    Field {
        code: &'static str,
        field: String,
        message: String,
    },
    /// 422: rules of DOMAIN.md broken; one detail each.
    Rules(Vec<Problem>),
    /// 429 with Retry-After seconds.
    TooMany { retry_after: u64 },
    /// 503 with Retry-After: the database is out of reach for a moment (a
    /// dropped connection, a pool that cannot connect, a lock or a
    /// serialization conflict). Nothing was stored; the same request may be
    /// sent again.
    Unavailable(String),
    /// 500: logged with its cause, answered without it.
    Internal(String),
}

/// Whether an error means "the database could not be reached or asked us to
/// retry", as opposed to a fault in what we asked of it.
fn is_transient(e: &anyhow::Error) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    e.chain().any(|cause| {
        let Some(db) = cause.downcast_ref::<DbErr>() else {
            return false;
        };
        match db {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
            DbErr::Exec(RuntimeErr::SqlxError(x)) | DbErr::Query(RuntimeErr::SqlxError(x)) => {
                use sea_orm::sqlx::Error as X;
                match &**x {
                    X::Io(_)
                    | X::PoolTimedOut
                    | X::PoolClosed
                    | X::WorkerCrashed
                    | X::Protocol(_) => true,
                    X::Database(d) => d.code().is_some_and(|c| {
                        // PostgreSQL: connection exceptions (08), operator
                        // intervention such as a terminated backend (57P),
                        // serialization failure and deadlock (40001, 40P01).
                        // SQLite: busy and locked (5, 6 and their extended codes).
                        c.starts_with("08")
                            || c.starts_with("57P")
                            || c == "40001"
                            || c == "40P01"
                            || c.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
                    }),
                    _ => false,
                }
            }
            _ => false,
        }
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<RuleDetail>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RuleDetail {
    pub code: String,
    pub field: String,
    pub message: String,
}

impl<E: std::fmt::Display> From<E> for ApiError
where
    E: Into<anyhow::Error>,
{
    fn from(e: E) -> Self {
        let e: anyhow::Error = e.into();
        if is_transient(&e) {
            ApiError::Unavailable(format!("{e:#}"))
        } else {
            ApiError::Internal(format!("{e:#}"))
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field, details): (
            StatusCode,
            String,
            String,
            Option<String>,
            Vec<RuleDetail>,
        ) = match self {
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, code.into(), message, None, vec![])
            }
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated".into(),
                "sign in again".into(),
                None,
                vec![],
            ),
            ApiError::AccountDisabled => (
                StatusCode::UNAUTHORIZED,
                "account_disabled".into(),
                "this account is disabled".into(),
                None,
                vec![],
            ),
            ApiError::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "session_expired".into(),
                "this sign-in has ended; sign in again".into(),
                None,
                vec![],
            ),
            ApiError::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                "bad_credentials".into(),
                "wrong username or password".into(),
                None,
                vec![],
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden".into(),
                "your role may not do this".into(),
                None,
                vec![],
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found".into(),
                "no such thing, or not yours to see".into(),
                None,
                vec![],
            ),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict".into(), m, None, vec![]),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large".into(),
                "the request body is too large".into(),
                None,
                vec![],
            ),
            ApiError::Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                "timeout".into(),
                "the request took too long to arrive; nothing was stored, send it again".into(),
                None,
                vec![],
            ),
            ApiError::Field {
                code,
                field,
                message,
            } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                code.into(),
                message,
                Some(field),
                vec![],
            ),
            ApiError::Rules(problems) => {
                let first = problems.first().map(|p| p.field.clone());
                let details = problems
                    .into_iter()
                    .map(|p| RuleDetail {
                        code: p.code.as_str().into(),
                        field: p.field,
                        message: p.message,
                    })
                    .collect::<Vec<_>>();
                let n = details.len();
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_record".into(),
                    format!("the record breaks {n} rule(s)"),
                    first,
                    details,
                )
            }
            ApiError::TooMany { retry_after } => {
                let mut r = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(ErrorBody {
                        error: ErrorDetail {
                            code: "too_many_attempts".into(),
                            message: format!("try again in {retry_after} seconds"),
                            field: None,
                            details: vec![],
                        },
                    }),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return r;
            }
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable; answered 503");
                let mut r = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(ErrorBody {
                        error: ErrorDetail {
                            code: "unavailable".into(),
                            message: "the server could not reach its database; nothing was stored, try again".into(),
                            field: None,
                            details: vec![],
                        },
                    }),
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return r;
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal".into(),
                    "something went wrong on the server".into(),
                    None,
                    vec![],
                )
            }
        };
        (
            status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code,
                    message,
                    field,
                    details,
                },
            }),
        )
            .into_response()
    }
}
