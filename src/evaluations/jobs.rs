//! The `create_evaluations` job (daily): opens the mid-term evaluation of every active
//! contract from the midpoint of its service period and the final one from its last day,
//! exactly once each, however often and on however many instances it runs.

use crate::app::AppState;
use crate::error::AppResult;

/// Opens the mid-term evaluation at the midpoint of each service period and the final one
/// at its end, exactly once each. Returns `{"opened": n}`.
pub async fn create_due(state: &AppState) -> AppResult<serde_json::Value> {
    let now = state.clock.now();
    let opened = state
        .db
        .run(move |conn| super::service::open_due(conn, now))
        .await?;
    Ok(serde_json::json!({ "opened": opened }))
}
