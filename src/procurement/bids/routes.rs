//! HTTP handlers of bids, documents and the opening:
//! `/api/v1/projects/{id}/bids…`, `/api/v1/projects/{id}/documents`,
//! `/api/v1/documents/{id}`, `/api/v1/projects/{id}/open` and `/api/v1/projects/{id}/opening`.

use actix_web::http::header::{
    CONTENT_TYPE, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;

use super::service::{
    self, BidCount, BidDocumentReceipt, BidReceipt, BidView, OpeningView, SubmitBid,
};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, PageQuery};
use crate::procurement::documents::{self, CheckedUpload, DocumentRow, DocumentView};
use crate::storage::Storage;

/// A `multipart/form-data` upload: one file part (its field name is free; `file` by
/// convention). The type is recognized from the content: PDF, DOCX, XLSX, JPG or PNG.
#[derive(Debug, utoipa::ToSchema)]
pub struct FileUpload {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Reads and checks an upload body (`server.upload_limit_bytes`; `413` beyond it).
async fn read_upload(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> AppResult<CheckedUpload> {
    let limit = state.settings.server.upload_limit_bytes;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::PayloadTooLarge(limit));
    }
    let body = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge(limit))?
        .map_err(|e| AppError::BadRequest(format!("无法读取请求体：{e}")))?;
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    // Parsing and hashing up to the limit is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || documents::check_upload(&content_type, &body, limit))
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("upload task failed: {e}")))?
}

fn storage(state: &AppState) -> Storage {
    Storage::new(&state.settings.storage.dir)
}

/// Submit a sealed bid, or replace one's bid before the deadline (contractor).
#[utoipa::path(post, path = "/api/v1/projects/{id}/bids", tag = "bids", params(("id" = i64, Path)),
    request_body = SubmitBid,
    responses((status = 201, body = BidReceipt), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/bids")]
pub async fn submit_bid(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<SubmitBid>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let input = body.0;
    let receipt = state
        .db
        .run(move |conn| service::submit(conn, &user, now, id, &input))
        .await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// One's own bid with price, proposal, documents and receipt (contractor).
#[utoipa::path(get, path = "/api/v1/projects/{id}/bids/mine", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = BidView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/api/v1/projects/{id}/bids/mine")]
pub async fn my_bid(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| service::mine(conn, &user, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Withdraw one's bid before the deadline (contractor).
#[utoipa::path(delete, path = "/api/v1/projects/{id}/bids/mine", tag = "bids", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[delete("/api/v1/projects/{id}/bids/mine")]
pub async fn withdraw_bid(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    state
        .db
        .run(move |conn| service::withdraw(conn, &user, now, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a document to one's bid before the deadline (contractor); the receipt is recomputed.
#[utoipa::path(post, path = "/api/v1/projects/{id}/bids/mine/documents", tag = "bids",
    params(("id" = i64, Path)),
    request_body(content = inline(FileUpload), content_type = "multipart/form-data"),
    responses((status = 201, body = BidDocumentReceipt), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/bids/mine/documents")]
pub async fn upload_bid_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let file = read_upload(&state, &req, payload).await?;
    let now = state.clock.now();
    let storage = storage(&state);
    let receipt = state
        .db
        .run(move |conn| service::upload_document(conn, &storage, &user, now, id, &file))
        .await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// The bids with prices, proposals and documents: `403 bids_sealed` for every role before
/// opening; afterwards the purchaser's officers, evaluators on the panel, auditors, admins.
#[utoipa::path(get, path = "/api/v1/projects/{id}/bids", tag = "bids",
    params(("id" = i64, Path), PageQuery),
    responses((status = 200, description = "{items: [BidView], page, per_page, total}"),
        (status = 403, body = ErrorBody, description = "bids_sealed before opening; forbidden after")),
    security(("bearer" = [])))]
#[get("/api/v1/projects/{id}/bids")]
pub async fn list_bids(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (page, per_page) = query.resolve()?;
    let page = state
        .db
        .run(move |conn| service::list(conn, &user, id, page, per_page))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// How many bids were received (public; nothing else about them).
#[utoipa::path(get, path = "/api/v1/projects/{id}/bids/count", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = BidCount), (status = 404, body = ErrorBody)))]
#[get("/api/v1/projects/{id}/bids/count")]
pub async fn count_bids(state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let count = state.db.run(move |conn| service::count(conn, id)).await?;
    Ok(HttpResponse::Ok().json(count))
}

/// Add a tender document (采购文件) before the tender is published (officer of the purchaser).
#[utoipa::path(post, path = "/api/v1/projects/{id}/documents", tag = "bids", params(("id" = i64, Path)),
    request_body(content = inline(FileUpload), content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/documents")]
pub async fn upload_tender_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let file = read_upload(&state, &req, payload).await?;
    let now = state.clock.now();
    let storage = storage(&state);
    let row = state
        .db
        .run(move |conn| documents::upload_tender_document(conn, &storage, &user, now, id, &file))
        .await?;
    Ok(HttpResponse::Created().json(row.view()))
}

/// The tender documents of a project: public once the tender is published.
#[utoipa::path(get, path = "/api/v1/projects/{id}/documents", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = [DocumentView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/v1/projects/{id}/documents")]
pub async fn list_tender_documents(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |conn| documents::tender_documents(conn, user.as_ref(), id))
        .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(DocumentRow::view).collect::<Vec<_>>()))
}

/// Download a document. Tender documents: public once the tender is published. Bid
/// documents: `403 bids_sealed` before opening (except for the bidder); afterwards the
/// purchaser's officers, evaluators on the panel, auditors, admins and the bidder.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, with its detected content type"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/v1/documents/{id}")]
pub async fn download_document(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let storage = storage(&state);
    let (row, bytes) = state
        .db
        .run(move |conn| {
            let row = service::readable_document(conn, user.as_ref(), id)?;
            let bytes = storage.get(&row.sha256).map_err(|e| {
                AppError::internal(anyhow::anyhow!("document {id} ({}): {e}", row.sha256))
            })?;
            Ok((row, bytes))
        })
        .await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: row.filename.clone().into_bytes(),
        })],
    };
    Ok(HttpResponse::Ok()
        .content_type(row.content_type.as_str())
        .insert_header(disposition)
        .insert_header(("ETag", format!("\"{}\"", row.sha256)))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// Open the bids at or after the deadline (officer of the purchaser; the `open_bids` job does
/// the same): `evaluating`, or `failed` with too few qualified bids.
#[utoipa::path(post, path = "/api/v1/projects/{id}/open", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = OpeningView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/projects/{id}/open")]
pub async fn open_bids(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let rules = state.rules.clone();
    let view = state
        .db
        .run(move |conn| {
            service::open_by_officer(conn, &rules, &user, now, id)?;
            service::opening(conn, &rules, id, None)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `?round=` of the opening record.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OpeningQuery {
    /// A tender round (default: the current one).
    pub round: Option<i32>,
}

/// The opening record (开标记录): public after opening, `403 bids_sealed` before.
#[utoipa::path(get, path = "/api/v1/projects/{id}/opening", tag = "bids",
    params(("id" = i64, Path), OpeningQuery),
    responses((status = 200, body = OpeningView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/v1/projects/{id}/opening")]
pub async fn show_opening(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<OpeningQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let round = query.round;
    let rules = state.rules.clone();
    let view = state
        .db
        .run(move |conn| service::opening(conn, &rules, id, round))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    submit_bid,
    my_bid,
    withdraw_bid,
    upload_bid_document,
    list_bids,
    count_bids,
    upload_tender_document,
    list_tender_documents,
    download_document,
    open_bids,
    show_opening
))]
pub struct BidsApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(submit_bid)
        .service(my_bid)
        .service(withdraw_bid)
        .service(upload_bid_document)
        .service(list_bids)
        .service(count_bids)
        .service(upload_tender_document)
        .service(list_tender_documents)
        .service(download_document)
        .service(open_bids)
        .service(show_opening);
}
