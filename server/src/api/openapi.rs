//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fieldlog",
        description = "The sync server of Fieldlog, the SRO interaction log. See API.md."
    ),
    paths(
        super::auth::login,
        super::auth::refresh,
        super::sessions::logout,
        super::sessions::change_password,
        super::sessions::list,
        super::sessions::end,
        super::me::me,
        super::mfa::enrol,
        super::mfa::confirm,
        super::mfa::verify,
        super::oidc::providers,
        super::oidc::start,
        super::oidc::callback,
        super::oidc::redeem,
        super::identities::list,
        super::identities::link,
        super::identities::unlink,
        super::mfa::reset,
        super::sync::sync,
        super::incidents::create,
        super::incidents::get_one,
        super::incidents::list,
        super::redactions::create,
        super::history::get,
        super::activity::activity,
        super::dashboards::overcalling,
        super::reviews::queue,
        super::reviews::create,
        super::reviews::add_meeting,
        super::reviews::meetings,
        super::periods::get,
        super::periods::put,
        super::reports::disaggregated,
        super::admin::organizations,
        super::admin::add_organization,
        super::admin::schools,
        super::admin::add_school,
        super::admin::change_school,
        super::admin::users,
        super::admin::add_user,
        super::admin::user,
        super::admin::change_user,
        super::admin::assign,
        super::invites::password_reset,
        super::invites::redeem,
        super::audit::list,
        super::audit::verify,
        super::audit::verify_held,
        super::audit::checkpoints,
        super::audit::make_checkpoint,
        super::complaints::list,
        super::complaints::get_one,
        super::complaints::people,
        super::complaints::add_event,
        super::public_complaints::create,
        super::public_complaints::get_status,
        super::training::list,
        super::training::create,
        super::training::compliance,
        super::webhooks::create,
        super::webhooks::list,
        super::webhooks::delete,
        super::webhooks::deliveries,
        super::agreements::list,
        super::agreements::create,
        super::agreements::sign,
        super::assessments::get_one,
    ),
    components(schemas(super::error::ErrorBody))
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
