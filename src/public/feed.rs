//! `/feed.atom`: the newest notices as an Atom 1.0 feed (RFC 4287). Entry ids are the
//! notices' absolute URLs under `server.public_base_url`; text is XML-escaped by askama.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::http_cache;
use super::queries;
use crate::app::AppState;
use crate::disclosure::notices::NoticeKind;
use crate::error::AppResult;

/// Entries in the feed.
pub const ENTRIES: i64 = 50;

/// The feed's content type.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";

/// One entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute URL of the notice page (also the entry id).
    pub url: String,
    /// Title.
    pub title: String,
    /// Kind code.
    pub kind: String,
    /// Kind name.
    pub kind_label: String,
    /// Publishing purchaser.
    pub purchaser: String,
    /// Published (RFC 3339, UTC).
    pub published: String,
    /// One-line summary.
    pub summary: String,
}

#[derive(Template)]
#[template(path = "public/feed.xml")]
struct Feed {
    base: String,
    updated: String,
    entries: Vec<Entry>,
}

/// Drops the characters XML 1.0 forbids (control characters other than tab and newlines).
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// The Atom feed of the newest notices.
#[get("/feed.atom")]
pub async fn atom(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    super::page_cache::serve(
        &req,
        &state.pages,
        super::page_cache::TTL,
        ATOM,
        http_cache::LIST,
        || render_feed(state.clone()),
    )
    .await
}

/// Builds the feed (what [`atom`] caches).
async fn render_feed(state: web::Data<AppState>) -> AppResult<String> {
    let (lines, names) = state
        .db
        .run(move |conn| {
            let lines = queries::newest_notices(conn, ENTRIES)?;
            let ids: Vec<i64> = lines.iter().map(|l| l.purchaser_id).collect();
            let names = queries::purchaser_names(conn, &ids)?;
            Ok((lines, names))
        })
        .await?;
    let base = state
        .settings
        .server
        .public_base_url
        .trim_end_matches('/')
        .to_owned();
    let updated = lines.first().map_or_else(
        || crate::clock::rfc3339(state.clock.now()),
        |l| crate::clock::rfc3339(l.published_at),
    );
    let entries = lines
        .iter()
        .map(|line| {
            let kind_label = NoticeKind::label_of(&line.kind);
            let purchaser = xml_text(names.get(&line.purchaser_id).map_or("", String::as_str));
            let mut summary = format!(
                "{kind_label}｜{purchaser}｜发布于 {}",
                super::shanghai_minutes(line.published_at)
            );
            if let Some(due) = line.due_by {
                summary.push_str(&format!(
                    "｜法定期限 {due}{}",
                    if line.on_time {
                        "（按时）"
                    } else {
                        "（逾期）"
                    }
                ));
            }
            Entry {
                url: format!("{base}/notices/{}", line.id),
                title: xml_text(&line.title),
                kind: line.kind.clone(),
                kind_label,
                purchaser,
                published: crate::clock::rfc3339(line.published_at),
                summary,
            }
        })
        .collect();
    let body = super::render(&Feed {
        base,
        updated,
        entries,
    })?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(xml_text("a\u{0}b\u{1b}c\td\n"), "abc\td\n");
    }

    #[test]
    fn the_template_escapes_text() {
        let xml = Feed {
            base: "http://example.cn".to_owned(),
            updated: "2026-03-02T01:00:00.000000Z".to_owned(),
            entries: vec![Entry {
                url: "http://example.cn/notices/1".to_owned(),
                title: "<script>&\"x\"".to_owned(),
                kind: "award".to_owned(),
                kind_label: "中标（成交）结果公告".to_owned(),
                purchaser: "甲 & 乙".to_owned(),
                published: "2026-03-02T01:00:00.000000Z".to_owned(),
                summary: "s".to_owned(),
            }],
        }
        .render()
        .expect("renders");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        assert!(
            xml.contains("<title>&#60;script&#62;&#38;&#34;x&#34;</title>"),
            "{xml}"
        );
        assert!(xml.contains("<name>甲 &#38; 乙</name>"));
        assert!(!xml.contains("<script>"));
    }
}
