//! Who may act on a project: the officers of its purchaser; auditors and admins read.

use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};

/// `403` unless the user is an officer of `purchaser_id`.
pub fn ensure_officer_of(user: &CurrentUser, purchaser_id: i64) -> AppResult<()> {
    if user.role == Role::Officer && user.purchaser_id == Some(purchaser_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有本项目采购人的经办人可以执行此操作".to_owned(),
        ))
    }
}

/// `403` unless the user may read the project's internal data: its purchaser's officers,
/// auditors and admins.
pub fn ensure_can_read(user: &CurrentUser, purchaser_id: i64) -> AppResult<()> {
    match user.role {
        Role::Admin | Role::Auditor => Ok(()),
        Role::Officer if user.purchaser_id == Some(purchaser_id) => Ok(()),
        _ => Err(AppError::Forbidden("无权查看该项目的内部资料".to_owned())),
    }
}
