//! `/app/admin/catalog?year=`: the guiding catalog of a year by domain, and the form that adds
//! an item — checked and stored exactly as `POST /api/v1/catalog/items`
//! ([`service::check`], [`service::create_item`], audited).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::admin;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::catalog::DOMAINS;
use crate::catalog::model::{self as catalog_model, CatalogView};
use crate::catalog::service::{self, NewCatalogItem};
use crate::error::{AppError, AppResult};
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, Options, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after an item is added.
pub const CATALOG_ITEM_CREATED: Flash = Flash::new("catalog_item_created", "目录条目已添加。");

#[derive(Template)]
#[template(path = "workspace/admin/catalog.html")]
struct CatalogPage {
    shell: Shell,
    year: i32,
    years: Vec<i32>,
    catalog: Option<CatalogView>,
    group_names: Vec<(String, String)>,
    domains: Options,
    groups: Options,
    form: FormState,
}

impl CatalogPage {
    /// The Chinese name of a target-group code.
    fn group_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.group_names
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code, |(_, n)| n.as_str())
    }
}

/// `?year=`.
#[derive(Debug, Deserialize)]
pub struct YearParam {
    /// Catalog year; the current year by default.
    pub year: Option<i32>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    form: FormState,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (catalog, years, groups) = state
        .db
        .run(move |conn| {
            let catalog = match service::catalog(conn, year) {
                Ok(view) => Some(view),
                Err(AppError::NotFound(_)) => None,
                Err(other) => return Err(other),
            };
            let years = catalog_model::years(conn)?;
            let groups = catalog_model::target_groups(conn)?;
            Ok((catalog, years, groups))
        })
        .await?;
    let shell = Shell::new(req, user)?;
    let mut response = shell.respond(&CatalogPage {
        shell: shell.clone(),
        year,
        years,
        catalog,
        group_names: groups
            .iter()
            .map(|g| (g.code.clone(), g.name.clone()))
            .collect(),
        domains: DOMAINS
            .iter()
            .map(|(code, name)| ((*code).to_owned(), (*name).to_owned()))
            .collect(),
        groups: groups
            .iter()
            .map(|g| {
                let name = if g.priority {
                    format!("{}（重点）", g.name)
                } else {
                    g.name.clone()
                };
                (g.code.clone(), name)
            })
            .collect(),
        form,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/admin/catalog?year=`.
#[get("/app/admin/catalog")]
pub async fn catalog_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<YearParam>,
) -> AppResult<HttpResponse> {
    admin(&user.0)?;
    let year = query.year.unwrap_or_else(|| state.clock.today().year());
    let form = FormState::with_values([("year", year.to_string())]);
    render(&req, &state, &user.0, year, form, StatusCode::OK).await
}

/// `POST /app/admin/catalog`: adds an item to a year's catalog.
#[post("/app/admin/catalog")]
pub async fn create_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    admin(&user)?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let year = form.integer(&data, "year", "年度");
    let code = form.required(&data, "code", "编码");
    let domain = form.required(&data, "domain", "服务领域");
    let name = form.required(&data, "name", "名称");
    let description = form.optional(&data, "description").unwrap_or_default();
    let target_groups = data.all("target_groups");
    let shown_year = year
        .and_then(|y| i32::try_from(y).ok())
        .unwrap_or_else(|| state.clock.today().year());
    if let (Some(year), Some(code), Some(domain), Some(name)) = (year, code, domain, name) {
        let input = NewCatalogItem {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            code,
            domain,
            name,
            description,
            target_groups,
        };
        let actor = user.actor(state.clock.now());
        let target_year = input.year;
        let result = state
            .db
            .run(move |conn| {
                service::check(conn, &input)?;
                service::create_item(conn, &actor, &input)
            })
            .await;
        match result {
            Ok(_) => {
                return Ok(see_other(
                    &format!("/app/admin/catalog?year={target_year}"),
                    CATALOG_ITEM_CREATED,
                ));
            }
            // The only conflict is a code the year already has: say so next to it.
            Err(AppError::Conflict(message)) => form.error("code", message),
            Err(error) => form.absorb(error)?,
        }
    }
    render(
        &req,
        &state,
        &user,
        shown_year,
        form,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
