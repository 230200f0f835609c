//! The OpenAPI document, assembled from the `#[utoipa::path]` attributes on the handlers
//! and the `ToSchema` derives on the model, so it cannot drift from the code.

use crate::routes::{callbacks, health, nodes, runs, triggers, versions, workflows};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hookflow",
        description = "Management API (Bearer admin key) and public callback endpoints of hookflow."
    ),
    paths(
        workflows::list,
        workflows::put,
        workflows::get,
        workflows::delete,
        workflows::enable,
        workflows::disable,
        workflows::regenerate_access_key,
        versions::list,
        versions::get,
        triggers::list,
        triggers::get,
        triggers::list_callback_url,
        triggers::run,
        triggers::histories,
        triggers::resubmit,
        runs::list,
        runs::get,
        runs::cancel,
        runs::list_actions,
        runs::get_action,
        runs::repetitions,
        callbacks::trigger,
        callbacks::trigger_relative,
        callbacks::action,
        health::healthz,
        health::metrics,
        health::openapi,
        nodes::list,
    ),
    modifiers(&AdminKeyScheme),
    tags(
        (name = "workflows", description = "Workflow resources"),
        (name = "triggers", description = "Triggers, callback URLs, histories"),
        (name = "runs", description = "Runs, actions, repetitions"),
        (name = "callbacks", description = "Public endpoints authorised by signed URLs"),
        (name = "operations", description = "Health, metrics, this document"),
    )
)]
struct ApiDoc;

struct AdminKeyScheme;

impl Modify for AdminKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
