//! `GET|POST /control/faults`: read and set the fault knobs over HTTP.
//!
//! Bound on the simulator's own (loopback) address, like everything else it serves; the
//! simulator holds no secrets and moves no money, so the endpoint has no token.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{json_response, SimServer};
use crate::faults::FaultUpdate;

pub(super) async fn get_faults(State(server): State<SimServer>) -> Response {
    current(&server)
}

pub(super) async fn post_faults(State(server): State<SimServer>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultUpdate>(&body) {
        Ok(update) => {
            server.shared.faults.apply(update);
            current(&server)
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, format!("fault update: {e}")).into_response(),
    }
}

fn current(server: &SimServer) -> Response {
    let body = serde_json::json!({
        "faults": server.shared.faults.config(),
        "postOnly": server.shared.faults.post_only(),
        "framesDropped": server.frames_dropped(),
        "connections": server.connections(),
    });
    json_response(StatusCode::OK, serde_json::to_vec(&body).unwrap_or_default())
}
