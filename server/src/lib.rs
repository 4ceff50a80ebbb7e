//! Fieldlog's sync server: implements API.md on top of client-core.
//!
//! Architecture invariant: handlers never touch SQL (that is `store`), and
//! every decision about records (validity, flags, access) is client-core's.

pub mod api;
pub mod app;
pub mod audit_keys;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod credentials;
pub mod demo;
pub mod device_cookie;
pub mod files;
pub mod mfa;
pub mod oidc;
pub mod projection;
pub mod proxies;
pub mod published_years;
pub mod redaction;
pub mod settings;
pub mod store;
pub mod sync;
pub mod user_admin;
pub mod webhooks;
