//! `/app/admin/regions?parent_code=`: the GB/T 2260 region tree, one level at a time, with
//! the path from the province down (the same reads as `GET /api/v1/regions`).

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::admin;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::regions::{self, Region};
use crate::web::layout::{PageUser, Shell};

#[derive(Template)]
#[template(path = "workspace/admin/regions.html")]
struct RegionsPage {
    shell: Shell,
    path: Vec<Region>,
    children: Vec<Region>,
}

/// `?parent_code=`.
#[derive(Debug, Deserialize)]
pub struct ParentParam {
    /// The region whose children to list; the provinces when absent.
    pub parent_code: Option<String>,
}

/// Chinese name of a region level.
pub fn level_label(level: &str) -> &str {
    match level {
        "province" => "省级",
        "prefecture" => "地级",
        "county" => "县级",
        "township" => "乡级",
        other => other,
    }
}

/// `GET /app/admin/regions?parent_code=`.
#[get("/app/admin/regions")]
pub async fn regions_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<ParentParam>,
) -> AppResult<HttpResponse> {
    admin(&user.0)?;
    let parent = query
        .into_inner()
        .parent_code
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    let (path, children) = state
        .db
        .run(move |conn| {
            let mut path = Vec::new();
            if let Some(code) = &parent {
                if regions::find(conn, code)?.is_none() {
                    return Err(AppError::NotFound(format!("行政区划 {code} 不存在")));
                }
                path = regions::ancestry(conn, code)?;
                path.reverse();
            }
            Ok((path, regions::children(conn, parent.as_deref())?))
        })
        .await?;
    let shell = Shell::new(&req, &user.0)?;
    shell.respond(&RegionsPage {
        shell: shell.clone(),
        path,
        children,
    })
}
