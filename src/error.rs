//! One error type for the whole service, with stable snake_case codes (API.md "Conventions").
//! Under `/api` an error is JSON `{"error": {code, message, details}}`; elsewhere the
//! `html_errors` middleware in `app.rs` turns it into a Chinese HTML page.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Value, json};

/// Field name → messages, as in `details.fields`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Every error a request can end in.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: input that fails validation; each entry names its field.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// 422: a domain rule refuses the request (`details.rule`).
    #[error("rule violated: {rule}")]
    Rule {
        /// Stable rule code, e.g. `tender_period_too_short`.
        rule: String,
        /// Explanation in Chinese.
        message: String,
    },
    /// 401: missing, unknown or expired credentials.
    #[error("unauthorized")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("forbidden")]
    Forbidden(String),
    /// 403: bids are sealed until opening.
    #[error("bids are sealed")]
    BidsSealed,
    /// 404: no such thing (or not visible to the caller).
    #[error("not found")]
    NotFound(String),
    /// 409: the action is illegal in the entity's current state.
    #[error("invalid state: {action} from {from}")]
    InvalidState {
        /// Current state.
        from: String,
        /// Attempted action.
        action: String,
    },
    /// 409: a uniqueness or concurrency conflict.
    #[error("conflict")]
    Conflict(String),
    /// 429: too many attempts.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until the caller may try again.
        retry_after_secs: i64,
    },
    /// 400: the request cannot be parsed.
    #[error("bad request")]
    BadRequest(String),
    /// 413: the body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 500: anything unexpected; the cause is logged, never shown.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// The JSON body of an error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorPayload,
}

/// `error` inside [`ErrorBody`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorPayload {
    /// Stable code such as `validation_failed`.
    pub code: String,
    /// Human-readable message (Chinese).
    pub message: String,
    /// Code-specific details.
    #[schema(value_type = Object)]
    pub details: Value,
}

impl AppError {
    /// A validation error on a single field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.into(), vec![message.into()]);
        AppError::Validation(fields)
    }

    /// A rule violation.
    pub fn rule(rule: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Rule {
            rule: rule.into(),
            message: message.into(),
        }
    }

    /// Wraps any error as a 500.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(error.into())
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::Rule { .. } => "rule_violation",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::BidsSealed => "bids_sealed",
            AppError::NotFound(_) => "not_found",
            AppError::InvalidState { .. } => "invalid_state",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::BadRequest(_) => "bad_request",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message shown to the caller (never the cause of a 500).
    pub fn public_message(&self) -> String {
        match self {
            AppError::Validation(_) => "提交的数据有误，请检查标出的字段".to_owned(),
            AppError::Rule { message, .. } => message.clone(),
            AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::BadRequest(m) => m.clone(),
            AppError::BidsSealed => "投标文件在开标前密封，任何人不得查看".to_owned(),
            AppError::InvalidState { from, action } => {
                format!("当前状态（{from}）下不能执行该操作（{action}）")
            }
            AppError::RateLimited { retry_after_secs } => {
                format!("尝试次数过多，请在 {retry_after_secs} 秒后重试")
            }
            AppError::PayloadTooLarge(limit) => format!("请求内容过大，上限为 {limit} 字节"),
            AppError::Internal(_) => "服务器内部错误，请稍后重试".to_owned(),
        }
    }

    /// Code-specific details.
    pub fn details(&self) -> Value {
        match self {
            AppError::Validation(fields) => json!({ "fields": fields }),
            AppError::Rule { rule, .. } => json!({ "rule": rule }),
            AppError::InvalidState { from, action } => json!({ "from": from, "action": action }),
            AppError::RateLimited { retry_after_secs } => {
                json!({ "retry_after_secs": retry_after_secs })
            }
            AppError::PayloadTooLarge(limit) => json!({ "limit_bytes": limit }),
            _ => json!({}),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorPayload {
                code: self.code().to_owned(),
                message: self.public_message(),
                details: self.details(),
            },
        }
    }
}

/// Marks a response produced from an [`AppError`], so that the HTML middleware can render it.
#[derive(Debug, Clone)]
pub struct RenderedError {
    /// Stable code.
    pub code: &'static str,
    /// Public message.
    pub message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) | AppError::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::BidsSealed => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::InvalidState { .. } | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::RateLimited { retry_after_secs } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.insert_header((header::RETRY_AFTER, value));
        }
        if matches!(self, AppError::Unauthorized(_)) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        let mut response = response.json(self.body());
        response.extensions_mut().insert(RenderedError {
            code: self.code(),
            message: self.public_message(),
        });
        response
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound("记录不存在".to_owned()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict("记录已存在".to_owned())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::Conflict("并发修改冲突，请重试".to_owned())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("database pool: {e}"))
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        AppError::Validation(field_errors_from_validator(&errors, ""))
    }
}

/// Flattens nested `validator` errors into dotted field names.
fn field_errors_from_validator(errors: &validator::ValidationErrors, prefix: &str) -> FieldErrors {
    use validator::ValidationErrorsKind;
    let mut out = FieldErrors::new();
    for (field, kind) in errors.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                let messages = list
                    .iter()
                    .map(|e| {
                        e.message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| format!("不符合要求（{}）", e.code))
                    })
                    .collect();
                out.insert(name, messages);
            }
            ValidationErrorsKind::Struct(inner) => {
                out.extend(field_errors_from_validator(inner, &name));
            }
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    out.extend(field_errors_from_validator(
                        inner,
                        &format!("{name}[{index}]"),
                    ));
                }
            }
        }
    }
    out
}

/// Result alias for handlers and services.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_the_contract() {
        let cases: Vec<(AppError, &str, u16)> = vec![
            (AppError::field("name", "必填"), "validation_failed", 422),
            (
                AppError::rule("budget_exceeded", "超预算"),
                "rule_violation",
                422,
            ),
            (AppError::Unauthorized("x".into()), "unauthorized", 401),
            (AppError::Forbidden("x".into()), "forbidden", 403),
            (AppError::BidsSealed, "bids_sealed", 403),
            (AppError::NotFound("x".into()), "not_found", 404),
            (
                AppError::InvalidState {
                    from: "draft".into(),
                    action: "award".into(),
                },
                "invalid_state",
                409,
            ),
            (AppError::Conflict("x".into()), "conflict", 409),
            (
                AppError::RateLimited {
                    retry_after_secs: 5,
                },
                "rate_limited",
                429,
            ),
            (AppError::BadRequest("x".into()), "bad_request", 400),
            (
                AppError::internal(anyhow::anyhow!("secret cause")),
                "internal",
                500,
            ),
        ];
        for (error, code, status) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.status_code().as_u16(), status, "{code}");
        }
    }

    #[test]
    fn internal_message_hides_the_cause() {
        let error = AppError::internal(anyhow::anyhow!("password=hunter2"));
        assert!(!error.public_message().contains("hunter2"));
        assert_eq!(error.details(), json!({}));
    }

    #[test]
    fn details_carry_fields_rule_and_state() {
        assert_eq!(
            AppError::field("email", "格式不正确").details(),
            json!({"fields": {"email": ["格式不正确"]}})
        );
        assert_eq!(AppError::rule("r", "m").details(), json!({"rule": "r"}));
        assert_eq!(
            AppError::InvalidState {
                from: "a".into(),
                action: "b".into()
            }
            .details(),
            json!({"from": "a", "action": "b"})
        );
    }
}
