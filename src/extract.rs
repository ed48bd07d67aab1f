//! Request extractors shared by every handler: strict JSON bodies whose errors name the field,
//! and pagination.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};

/// A JSON body. Unknown fields (with `#[serde(deny_unknown_fields)]` on the type), missing
/// fields and wrong types are `422 validation_failed` naming the field; malformed JSON is
/// `400 bad_request`; a body over `server.json_limit_bytes` is `413`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// The body limit, registered as app data by `app::build`.
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<JsonLimit>()
            .map(|l| l.0)
            .unwrap_or(256 * 1024);
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.starts_with("application/json") || v.contains("+json"))
            .unwrap_or(false);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(AppError::BadRequest(
                    "请求体必须是 JSON（Content-Type: application/json）".to_owned(),
                ));
            }
            let bytes = body.await.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    AppError::PayloadTooLarge(limit)
                } else {
                    AppError::BadRequest(format!("无法读取请求体：{e}"))
                }
            })?;
            if bytes.len() > limit {
                return Err(AppError::PayloadTooLarge(limit));
            }
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// Parses JSON bytes into `T`, turning serde errors into field errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        use serde_json::error::Category;
        match inner.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                AppError::BadRequest(format!("JSON 格式错误：{inner}"))
            }
            Category::Data => data_error(&path, &inner.to_string()),
        }
    })?;
    de.end()
        .map_err(|e| AppError::BadRequest(format!("JSON 格式错误：{e}")))?;
    Ok(value)
}

/// Names the field of a serde data error: unknown and missing fields carry their name in
/// backquotes; other errors are located by the path.
fn data_error(path: &str, message: &str) -> AppError {
    let quoted = message.split('`').nth(1).map(str::to_owned);
    // The path may or may not already end with the field (unknown fields: it does).
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, text) = if message.starts_with("unknown field") {
        let name = quoted.unwrap_or_default();
        (join(&name), "不允许的字段".to_owned())
    } else if message.starts_with("missing field") {
        let name = quoted.unwrap_or_default();
        (join(&name), "必填".to_owned())
    } else {
        let field = if path.is_empty() || path == "." {
            "body".to_owned()
        } else {
            path.to_owned()
        };
        let detail = message.split(" at line ").next().unwrap_or(message);
        (field, format!("类型或取值不正确：{detail}"))
    };
    let mut fields = FieldErrors::new();
    fields.insert(field, vec![text]);
    AppError::Validation(fields)
}

/// `?page=&per_page=` with defaults 1 and 20; `per_page` at most 100.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Page number from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100.
    pub per_page: Option<i64>,
}

impl PageQuery {
    /// Checked page and size.
    pub fn resolve(&self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        if page < 1 {
            return Err(AppError::field("page", "必须从 1 开始"));
        }
        if !(1..=100).contains(&per_page) {
            return Err(AppError::field("per_page", "必须在 1 到 100 之间"));
        }
        Ok((page, per_page))
    }
}

/// A page of a list (API.md "Lists").
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Page number.
    pub page: i64,
    /// Page size.
    pub per_page: i64,
    /// Items over all pages.
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: i64,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Validation(f) => f.keys().cloned().collect(),
            other => panic!("expected validation, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        let unknown = parse_json::<Sample>(br#"{"name":"a","count":1,"colour":"red"}"#);
        assert_eq!(fields(unknown.unwrap_err()), vec!["colour"]);
        let missing = parse_json::<Sample>(br#"{"name":"a"}"#);
        assert_eq!(fields(missing.unwrap_err()), vec!["count"]);
        let wrong = parse_json::<Sample>(br#"{"name":"a","count":"many"}"#);
        assert_eq!(fields(wrong.unwrap_err()), vec!["count"]);
        let nested = parse_json::<Sample>(br#"{"name":"a","count":1,"inner":{"flag":true,"x":1}}"#);
        assert_eq!(fields(nested.unwrap_err()), vec!["inner.x"]);
    }

    #[test]
    fn malformed_json_is_bad_request() {
        assert!(matches!(
            parse_json::<Sample>(br#"{"name": "a","#),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Sample>(br#"{"name":"a","count":1} trailing"#),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn pagination_bounds() {
        let q = |page, per_page| PageQuery { page, per_page }.resolve();
        assert_eq!(q(None, None).expect("defaults"), (1, 20));
        assert_eq!(q(Some(3), Some(100)).expect("max"), (3, 100));
        assert!(q(Some(0), None).is_err());
        assert!(q(None, Some(101)).is_err());
        assert!(q(None, Some(0)).is_err());
    }
}

/// Serde for money fields (`#[serde(with = "crate::extract::money")]`): reads a string such as
/// `"1200000.00"` or `"1,200,000.00"`, or a JSON number; writes a string with two decimals.
pub mod money {
    use rust_decimal::Decimal;
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    /// Writes `"1200000.00"`.
    pub fn serialize<S: Serializer>(amount: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{:.2}", amount.round_dp(2)))
    }

    struct MoneyVisitor;

    impl Visitor<'_> for MoneyVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an amount in yuan such as \"1200000.00\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            crate::domain::money::parse_amount(v).map_err(E::custom)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            // The shortest decimal text that round-trips, e.g. 1200000.5 → "1200000.5".
            crate::domain::money::parse_amount(&v.to_string()).map_err(E::custom)
        }
    }

    /// Reads a string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(MoneyVisitor)
    }
}

/// [`money`] for optional fields (use with `#[serde(default, with = …)]`).
pub mod money_opt {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes a string or null.
    pub fn serialize<S: Serializer>(
        amount: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match amount {
            Some(a) => super::money::serialize(a, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads null, a string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(serde_json::Number),
        }
        match Option::<Raw>::deserialize(deserializer)? {
            None => Ok(None),
            Some(Raw::Text(text)) => crate::domain::money::parse_amount(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            Some(Raw::Number(n)) => crate::domain::money::parse_amount(&n.to_string())
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}
