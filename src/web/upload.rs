//! A file upload from a browser form (`multipart/form-data`): the body is read within
//! `server.upload_limit_bytes` as the API's upload handlers read it, the form's CSRF token is
//! taken from the text part `csrf` and checked ([`crate::web::csrf::verify`]) before anything
//! else, then the file part is checked by content ([`documents::check_upload`]).

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{HttpRequest, web};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::procurement::documents::{self, CheckedUpload};
use crate::web::csrf;

/// Reads an upload form. `Err` (the error page) when the CSRF token is missing or wrong or
/// the body cannot be read; `Ok(Err(refusal))` when the file is refused (too large, no file,
/// type not accepted), for the page to show next to the file input; `Ok(Ok(file))` otherwise.
pub async fn read_form_upload(
    req: &HttpRequest,
    state: &AppState,
    payload: web::Payload,
) -> AppResult<Result<CheckedUpload, AppError>> {
    let limit = state.settings.server.upload_limit_bytes;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(Err(AppError::PayloadTooLarge(limit)));
    }
    let body = match payload.to_bytes_limited(limit).await {
        Err(_) => return Ok(Err(AppError::PayloadTooLarge(limit))),
        Ok(read) => read.map_err(|e| AppError::BadRequest(format!("无法读取请求体：{e}")))?,
    };
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let token = text_field(&content_type, &body, csrf::FIELD);
    csrf::verify(req, state, token.as_deref())?;
    // Parsing and hashing up to the limit is CPU work: keep it off the async workers.
    let checked =
        tokio::task::spawn_blocking(move || documents::check_upload(&content_type, &body, limit))
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("upload task failed: {e}")))?;
    Ok(checked)
}

/// The boundary of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<&str> {
    let mut parts = content_type.split(';');
    let mime = parts.next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"'))
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// The value of the text part `name` (a part without a filename) of a multipart body.
pub fn text_field(content_type: &str, body: &[u8], name: &str) -> Option<String> {
    let delimiter = format!("--{}", boundary(content_type)?);
    let wanted = format!("name=\"{name}\"");
    let mut rest = body;
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        let Some(headers_end) = find(rest, b"\r\n\r\n") else {
            break;
        };
        let headers = String::from_utf8_lossy(&rest[..headers_end]);
        let content = &rest[headers_end + 4..];
        let is_field = headers.lines().any(|line| {
            let lower = line.to_ascii_lowercase();
            lower.starts_with("content-disposition:")
                && line.split(';').any(|p| p.trim() == wanted)
                && !lower.contains("filename")
        });
        if is_field {
            let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
            return String::from_utf8(content[..end].to_vec()).ok();
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_text_part_and_ignores_file_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"csrf\"\r\n\r\nname=\"csrf\"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc123\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        assert_eq!(text_field(ct, body, "csrf").as_deref(), Some("abc123"));
        assert_eq!(text_field(ct, body, "other"), None);
        assert_eq!(text_field("text/plain", body, "csrf"), None);
        assert_eq!(
            text_field("multipart/form-data; boundary=\"XyZ\"", body, "csrf").as_deref(),
            Some("abc123")
        );
    }
}
