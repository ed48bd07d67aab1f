//! Flash messages: a redirect sets a short-lived cookie holding a message *code*, the next page
//! shows the fixed Chinese text of that code and removes the cookie. Only codes travel, so a
//! forged cookie can at most show one of these messages.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

/// The flash cookie's name.
pub const COOKIE: &str = "sixnorms_flash";

/// A message shown once on the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    /// After a successful login.
    LoggedIn,
    /// After logging out.
    LoggedOut,
}

impl Flash {
    const ALL: [Flash; 2] = [Flash::LoggedIn, Flash::LoggedOut];

    /// The code stored in the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Flash::LoggedIn => "logged_in",
            Flash::LoggedOut => "logged_out",
        }
    }

    /// The Chinese text shown.
    pub fn message(self) -> &'static str {
        match self {
            Flash::LoggedIn => "登录成功，欢迎回来。",
            Flash::LoggedOut => "您已安全退出登录。",
        }
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

    /// The message a request carries, if any.
    pub fn from_request(req: &HttpRequest) -> Option<Flash> {
        let cookie = req.cookie(COOKIE)?;
        Flash::ALL.into_iter().find(|f| f.code() == cookie.value())
    }
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
