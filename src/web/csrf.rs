//! CSRF protection of every browser form. The token is HMAC-SHA256, keyed by a secret the
//! browser holds only in an HttpOnly, SameSite=Strict cookie, of a fixed label: for signed-in
//! pages the session cookie's secret, for the login form a random pre-session nonce set by
//! `GET /login`. A page renders the token as the hidden field `csrf`; [`CsrfForm`] checks it
//! before the handler runs, so a POST without it, or with a token of another session, is
//! `403 forbidden` and changes nothing. Tokens need no storage, work across instances and die
//! with the session.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use rand::RngCore;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::AppError;

/// The name of the hidden form field carrying the token.
pub const FIELD: &str = "csrf";

/// The cookie holding the login form's pre-session nonce.
pub const LOGIN_COOKIE: &str = "sixnorms_csrf";

const LABEL: &[u8] = b"sixnorms csrf v1";

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The token bound to a cookie secret (session secret or login nonce).
pub fn token_for(secret: &str) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), LABEL))
}

/// Compares two strings in time independent of where they differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The token of a signed-in request (bound to its session cookie), if it has one.
pub fn session_token(req: &HttpRequest, state: &AppState) -> Option<String> {
    req.cookie(&state.settings.auth.session_cookie_name)
        .map(|c| token_for(c.value()))
}

/// The login form's nonce: the one the browser already holds, or a new one with the cookie
/// to set.
pub fn login_nonce(req: &HttpRequest, state: &AppState) -> (String, Option<Cookie<'static>>) {
    if let Some(cookie) = req.cookie(LOGIN_COOKIE)
        && cookie.value().len() == 64
    {
        return (cookie.value().to_owned(), None);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let nonce = hex::encode(bytes);
    let cookie = Cookie::build(LOGIN_COOKIE, nonce.clone())
        .path("/")
        .http_only(true)
        .secure(state.settings.auth.cookie_secure)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::hours(12))
        .finish();
    (nonce, Some(cookie))
}

/// The secret a POST to `req.path()` must be bound to: the login nonce for the forms of
/// anonymous browsers (`/login`, `/register`), the session cookie everywhere else.
fn expected_secret(req: &HttpRequest, state: &AppState) -> Option<String> {
    let name = if matches!(req.path(), "/login" | "/register") {
        LOGIN_COOKIE
    } else {
        state.settings.auth.session_cookie_name.as_str()
    };
    req.cookie(name).map(|c| c.value().to_owned())
}

/// `Ok` when `token` is the one bound to the request's cookie; `403 forbidden` otherwise.
pub fn verify(req: &HttpRequest, state: &AppState, token: Option<&str>) -> Result<(), AppError> {
    let refused = || AppError::Forbidden("表单已失效或来源不明，请刷新页面后重新提交".to_owned());
    let secret = expected_secret(req, state).ok_or_else(refused)?;
    let token = token.ok_or_else(refused)?;
    if constant_time_eq(&token_for(&secret), token) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// A URL-encoded form whose `csrf` field has been checked; `T` gets the other fields (unknown
/// fields, `csrf` among them, are ignored unless `T` denies them).
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    /// The checked form.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("AppState missing from app data"))
                })?;
            let bytes = body.await?;
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                .map_err(|error| AppError::BadRequest(format!("表单有误：{error}")))?;
            let token = pairs
                .iter()
                .find(|(name, _)| name == FIELD)
                .map(|(_, value)| value.as_str());
            verify(&req, &state, token)?;
            let form = serde_urlencoded::from_bytes(&bytes)
                .map_err(|error| AppError::BadRequest(format!("表单有误：{error}")))?;
            Ok(CsrfForm(form))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_hashes_long_keys() {
        // RFC 4231 case 6: a 131-byte key.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn tokens_differ_by_secret_and_compare_exactly() {
        let a = token_for("sn_one");
        assert_eq!(a, token_for("sn_one"));
        assert_ne!(a, token_for("sn_two"));
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, &a[..63]));
    }
}
