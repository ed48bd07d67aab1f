//! Use cases of purchasers.

use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use super::model::{self, PurchaserRow};
use crate::audit::{self, Actor};
use crate::db::schema::purchasers;
use crate::db::{AnyConnection, write_tx};
use crate::domain::eligibility::PURCHASER_KINDS;
use crate::domain::ids::validate_uscc;
use crate::error::{AppError, AppResult, FieldErrors};
use diesel::prelude::*;

/// `POST /api/v1/purchasers`.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPurchaser {
    /// Name, e.g. 银川市兴庆区民政局.
    #[validate(length(min = 2, max = 100, message = "长度须在 2 到 100 个字符之间"))]
    pub name: String,
    /// 统一社会信用代码 (18 characters).
    pub uscc: String,
    /// One of the purchaser kinds of DOMAIN §1.
    pub kind: String,
    /// Region it serves (GB/T 2260).
    pub region_code: String,
    /// Contact person.
    #[validate(length(min = 1, max = 50, message = "必填，最多 50 个字符"))]
    pub contact_name: String,
    /// Contact phone.
    #[validate(custom(function = "crate::purchasers::service::validate_phone"))]
    pub contact_phone: String,
    /// Contact email.
    #[validate(email(message = "邮箱格式不正确"))]
    pub email: String,
}

/// A phone number: digits with optional `+`, `-`, spaces and an extension, 7–20 characters.
pub fn validate_phone(phone: &str) -> Result<(), validator::ValidationError> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '#'));
    if allowed && (7..=20).contains(&digits) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("phone")
            .with_message("电话号码格式不正确（7 到 20 位数字，可含 + - 空格）".into()))
    }
}

/// Collects derive-validation errors into a field map to which domain checks add.
pub fn derive_errors(result: Result<(), validator::ValidationErrors>) -> FieldErrors {
    match result {
        Ok(()) => FieldErrors::new(),
        Err(errors) => match AppError::from(errors) {
            AppError::Validation(fields) => fields,
            _ => FieldErrors::new(),
        },
    }
}

/// Adds one message to a field.
pub fn push(fields: &mut FieldErrors, field: &str, message: impl Into<String>) {
    fields
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// Creates a purchaser (admin), audited. Every field error is reported at once.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &NewPurchaser,
) -> AppResult<PurchaserRow> {
    let mut fields = derive_errors(input.validate());
    if let Err(e) = validate_uscc(&input.uscc) {
        push(&mut fields, "uscc", e.message());
    }
    if !PURCHASER_KINDS.iter().any(|(k, _)| *k == input.kind) {
        push(
            &mut fields,
            "kind",
            format!(
                "未知的购买主体类型，可选：{}",
                PURCHASER_KINDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        );
    }
    if crate::regions::find(conn, &input.region_code)?.is_none() {
        push(&mut fields, "region_code", "行政区划代码不存在");
    }
    if !fields.is_empty() {
        return Err(AppError::Validation(fields));
    }
    write_tx(conn, |conn| {
        let taken: i64 = purchasers::table
            .filter(purchasers::uscc.eq(&input.uscc))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(AppError::Conflict(format!(
                "统一社会信用代码 {} 已登记",
                input.uscc
            )));
        }
        let row: PurchaserRow = diesel::insert_into(purchasers::table)
            .values((
                purchasers::name.eq(&input.name),
                purchasers::uscc.eq(&input.uscc),
                purchasers::kind.eq(&input.kind),
                purchasers::region_code.eq(&input.region_code),
                purchasers::contact_name.eq(&input.contact_name),
                purchasers::contact_phone.eq(&input.contact_phone),
                purchasers::email.eq(&input.email),
                purchasers::created_at.eq(actor.at),
                purchasers::updated_at.eq(actor.at),
            ))
            .returning(purchasers::all_columns)
            .get_result(conn)?;
        let region_name = crate::regions::full_name(conn, &row.region_code)?;
        audit::record(
            conn,
            actor,
            "purchaser.create",
            "purchaser",
            &row.id.to_string(),
            None,
            Some(&json!(row.view(region_name))),
        )?;
        Ok(row)
    })
}

/// The view of one purchaser, or 404.
pub fn view(conn: &mut AnyConnection, id: i64) -> AppResult<super::model::PurchaserView> {
    let row =
        model::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("采购人 {id} 不存在")))?;
    let region_name = crate::regions::full_name(conn, &row.region_code)?;
    Ok(row.view(region_name))
}
