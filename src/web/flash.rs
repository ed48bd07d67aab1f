//! Flash messages: a redirect sets a short-lived cookie holding a message *code*, the next page
//! shows the fixed Chinese text of that code and removes the cookie. Only codes travel, so a
//! forged cookie can at most show one of the registered messages.
//!
//! Each page module declares its messages as `pub const FLASHES: &[Flash]`; [`registry`]
//! lists every module's table.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

/// The flash cookie's name.
pub const COOKIE: &str = "sixnorms_flash";

/// A message shown once on the next page: a stable code and its Chinese text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flash {
    code: &'static str,
    message: &'static str,
}

impl Flash {
    /// A message; `code` must be unique across [`registry`] (a unit test checks).
    pub const fn new(code: &'static str, message: &'static str) -> Flash {
        Flash { code, message }
    }

    /// After a successful login.
    pub const LOGGED_IN: Flash = Flash::new("logged_in", "登录成功，欢迎回来。");
    /// After logging out.
    pub const LOGGED_OUT: Flash = Flash::new("logged_out", "您已安全退出登录。");

    /// The code stored in the cookie.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// The Chinese text shown.
    pub fn message(self) -> &'static str {
        self.message
    }

    /// The cookie a redirect sets to show this message on the next page.
    pub fn cookie(self) -> Cookie<'static> {
        Cookie::build(COOKIE, self.code())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::minutes(1))
            .finish()
    }

    /// The message a request carries, if its code is registered.
    pub fn from_request(req: &HttpRequest) -> Option<Flash> {
        let cookie = req.cookie(COOKIE)?;
        registry().find(|f| f.code() == cookie.value())
    }
}

/// The shell's own messages.
const SHELL: &[Flash] = &[Flash::LOGGED_IN, Flash::LOGGED_OUT];

/// Every registered message.
pub fn registry() -> impl Iterator<Item = Flash> {
    [
        SHELL,
        super::officer::FLASHES,
        super::contracts::FLASHES,
        super::contractor::FLASHES,
        super::evaluator::FLASHES,
        super::auditor::FLASHES,
        super::admin::FLASHES,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// The cookie that removes a shown message.
pub fn removal() -> Cookie<'static> {
    let mut cookie = Cookie::new(COOKIE, "");
    cookie.set_path("/");
    cookie.make_removal();
    cookie
}

/// Takes the request's message: its text and, when the request had a flash cookie, the
/// removal to send back.
pub fn take(req: &HttpRequest) -> (Option<&'static str>, Option<Cookie<'static>>) {
    let had_cookie = req.cookie(COOKIE).is_some();
    (
        Flash::from_request(req).map(Flash::message),
        had_cookie.then(removal),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_fit_a_cookie() {
        let mut codes: Vec<&str> = registry().map(Flash::code).collect();
        let all = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all, "duplicate flash codes");
        assert!(
            codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }
}
