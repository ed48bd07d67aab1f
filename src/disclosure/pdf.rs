//! Official notice PDFs (公告 PDF, issue 6 §2): A4, the title centred, the project number,
//! then the notice's sections, wrapped with Chinese line-breaking rules (避头尾), with
//! 「第 N 页 共 M 页」 at the foot of every page.
//!
//! The font (Noto Sans CJK SC cut to all of GBK, `assets/fonts/`, SIL OFL 1.1) is embedded in
//! the binary and parsed once, in [`PdfRenderer::new`]; printpdf subsets it at save time, so a
//! PDF carries only the glyphs it uses. The sections come from the notice's HTML body
//! ([`PdfNotice::from_html`]), so every notice kind renders without its own layout code.
//!
//! Routes, jobs and storage are wired elsewhere; this module only turns a notice into bytes.

use std::sync::{Arc, OnceLock};

use anyhow::{Result, anyhow};
use chrono::{Datelike, NaiveDateTime, Timelike};
use printpdf::{
    FontId, Mm, OffsetDateTime, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, TextItem, TextRenderingMode,
};

use super::notices::NoticeRow;

/// The embedded face: Noto Sans CJK SC, every GBK character plus ASCII and Latin-1.
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-GBK.otf");

/// A4 width and height, in points (210 × 297 mm).
const PAGE_WIDTH: f32 = 595.28;
/// A4 height, in points.
const PAGE_HEIGHT: f32 = 841.89;
/// Left and right margins (25 mm).
const MARGIN_X: f32 = 70.87;
/// Top margin (25 mm).
const MARGIN_TOP: f32 = 70.87;
/// Bottom margin (25 mm); the page number sits inside it.
const MARGIN_BOTTOM: f32 = 70.87;
/// Baseline of the page number (12 mm from the bottom edge).
const FOOTER_BASELINE: f32 = 34.0;

/// Title size (小二, 18 pt).
const TITLE_SIZE: f32 = 18.0;
/// Size of the project number line under the title.
const META_SIZE: f32 = 10.5;
/// Section heading size (四号, 14 pt).
const HEADING_SIZE: f32 = 14.0;
/// Body size (五号 is 10.5 pt; 11 pt reads better on screen).
const BODY_SIZE: f32 = 11.0;
/// Page number size.
const FOOTER_SIZE: f32 = 9.0;
/// Line height as a multiple of the font size.
const LINE_SPACING: f32 = 1.6;
/// Stroke width that makes the regular face look bold (titles and headings).
const FAUX_BOLD_STROKE: f32 = 0.4;

/// Characters that must not begin a line (行首禁则).
const NO_LINE_START: &[char] = &[
    '，', '。', '、', '；', '：', '！', '？', '）', '》', '」', '』', '】', '〕', '〉', '”', '’',
    '…', '·', '%', ',', '.', ';', ':', '!', '?', ')', ']',
];
/// Characters that must not end a line (行尾禁则).
const NO_LINE_END: &[char] = &[
    '（', '《', '「', '『', '【', '〔', '〈', '“', '‘', '(', '[', '¥',
];

/// The resource name of the embedded face in every PDF. printpdf would draw a random one; a
/// fixed name keeps the bytes of a notice's PDF, and so its SHA-256, stable.
const FONT_RESOURCE: &str = "F1";

/// The PDF's producer (`/Producer`).
const PRODUCER: &str = "SixNorms";

/// A notice ready to print: what the renderer lays out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfNotice {
    /// The notice's title, e.g. `兴庆区2026年困难群众社会工作服务项目中标（成交）结果公告`.
    pub title: String,
    /// The project number (项目编号), printed under the title when present.
    pub project_number: Option<String>,
    /// The body, in order.
    pub sections: Vec<PdfSection>,
    /// The notice's id: the PDF's document identifier (trailer `/ID`) is derived from it, so
    /// that rendering one notice twice gives the same bytes. `None` gives a fixed identifier.
    pub notice_id: Option<i64>,
    /// When the notice was published (UTC): the PDF's creation and modification dates.
    /// `None` gives 1970-01-01 00:00:00.
    pub published_at: Option<NaiveDateTime>,
}

/// One section of a notice: an optional heading (`一、项目编号`) and its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdfSection {
    /// The heading, if the section has one (text before the first heading has none).
    pub heading: Option<String>,
    /// Paragraphs as plain text; a table row is one paragraph, its cells separated by spaces.
    pub paragraphs: Vec<String>,
}

impl PdfNotice {
    /// Builds a printable notice from a stored notice's HTML body (`NoticeRow::body_html`):
    /// each `<h2>`–`<h4>` starts a section, each `<p>`, `<li>` and `<tr>` is a paragraph
    /// (numbered inside `<ol>`, table cells joined by two ideographic spaces), tags are
    /// dropped, whitespace collapsed and entities unescaped.
    pub fn from_html(title: &str, project_number: Option<&str>, body_html: &str) -> PdfNotice {
        PdfNotice {
            title: title.trim().to_string(),
            project_number: project_number
                .map(str::trim)
                .filter(|number| !number.is_empty())
                .map(str::to_string),
            sections: sections_from_html(body_html),
            notice_id: None,
            published_at: None,
        }
    }

    /// Builds a printable notice from a stored notice row, with its id and publication time
    /// as the PDF's identifier and dates; the project number is looked up by the caller (the
    /// row carries only the project's id).
    pub fn from_row(row: &NoticeRow, project_number: Option<&str>) -> PdfNotice {
        PdfNotice {
            notice_id: Some(row.id),
            published_at: Some(row.published_at),
            ..PdfNotice::from_html(&row.title, project_number, &row.body_html)
        }
    }

    /// The document identifier written twice into the trailer's `/ID`: 32 hex characters of
    /// the SHA-256 of `sixnorms-notice-{id}` (the same for every rendering of the notice).
    pub fn document_id(&self) -> String {
        let seed = match self.notice_id {
            Some(id) => format!("sixnorms-notice-{id}"),
            None => "sixnorms-notice".to_owned(),
        };
        crate::storage::sha256_hex(seed.as_bytes())[..32].to_owned()
    }

    /// The PDF's creation and modification date: the publication time (UTC), to the second.
    fn pdf_date(&self) -> OffsetDateTime {
        let at = self
            .published_at
            .unwrap_or(chrono::DateTime::UNIX_EPOCH.naive_utc());
        OffsetDateTime {
            date: printpdf::Date {
                year: at.year(),
                month: at.month() as u8,
                day: at.day() as u8,
            },
            time: printpdf::Time {
                hour: at.hour() as u8,
                minute: at.minute() as u8,
                second: at.second() as u8,
                millisecond: 0,
            },
            offset: printpdf::Offset {
                hours: 0,
                minutes: 0,
                seconds: 0,
                milliseconds: 0,
            },
        }
    }
}

/// Renders notices to PDF. Build it once (parsing the embedded font costs tens of
/// milliseconds) and share it; rendering borrows it immutably.
pub struct PdfRenderer {
    /// The parsed embedded face.
    font: ParsedFont,
    /// The face's design units per em, for glyph widths.
    units_per_em: f32,
}

impl std::fmt::Debug for PdfRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfRenderer")
            .field("units_per_em", &self.units_per_em)
            .finish_non_exhaustive()
    }
}

/// One line of text placed on a page.
#[derive(Debug, Clone)]
struct PlacedLine {
    /// Left edge of the text, in points from the page's left edge.
    x: f32,
    /// Baseline, in points from the page's bottom edge.
    baseline: f32,
    /// Font size in points.
    size: f32,
    /// Whether it is drawn faux-bold.
    bold: bool,
    /// The text.
    text: String,
}

/// Places lines top to bottom, starting a new page when one is full.
struct Layout {
    /// Finished pages and the one being filled (always at least one).
    pages: Vec<Vec<PlacedLine>>,
    /// Top of the next line, in points from the bottom edge.
    cursor: f32,
}

impl Layout {
    /// An empty first page.
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            cursor: PAGE_HEIGHT - MARGIN_TOP,
        }
    }

    /// Starts a new page unless `height` points still fit on this one.
    fn ensure_room(&mut self, height: f32) {
        let page_has_lines = self.pages.last().is_some_and(|page| !page.is_empty());
        if self.cursor - height < MARGIN_BOTTOM && page_has_lines {
            self.pages.push(Vec::new());
            self.cursor = PAGE_HEIGHT - MARGIN_TOP;
        }
    }

    /// Adds vertical space (dropped at the top of a page).
    fn gap(&mut self, height: f32) {
        if self.cursor < PAGE_HEIGHT - MARGIN_TOP {
            self.cursor -= height;
        }
    }

    /// Places one line at `x`, breaking the page first when it does not fit.
    fn line(&mut self, x: f32, size: f32, bold: bool, text: String) {
        let height = size * LINE_SPACING;
        self.ensure_room(height);
        // Centre the glyphs' em box (ascent ≈ 0.88 em for Noto CJK) in the line box.
        let baseline = self.cursor - (height - size) / 2.0 - size * 0.88;
        self.cursor -= height;
        if let Some(page) = self.pages.last_mut() {
            page.push(PlacedLine {
                x,
                baseline,
                size,
                bold,
                text,
            });
        }
    }
}

impl PdfRenderer {
    /// The process's renderer: the font is parsed on the first call, and every later call
    /// (every `AppState`, every test app in one test binary) shares that renderer.
    pub fn shared() -> Result<Arc<PdfRenderer>> {
        static SHARED: OnceLock<Arc<PdfRenderer>> = OnceLock::new();
        if let Some(renderer) = SHARED.get() {
            return Ok(renderer.clone());
        }
        let renderer = Arc::new(PdfRenderer::new()?);
        // Two first calls racing both parse; one renderer wins and is kept.
        Ok(SHARED.get_or_init(|| renderer).clone())
    }

    /// Parses the embedded font. Call once at start and reuse the renderer.
    pub fn new() -> Result<PdfRenderer> {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(FONT_BYTES, 0, &mut warnings)
            .ok_or_else(|| anyhow!("the embedded notice font could not be parsed"))?;
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        Ok(PdfRenderer { font, units_per_em })
    }

    /// The advance of `ch` at `size` points. Characters the face lacks count as one em
    /// (half an em for ASCII).
    fn char_width(&self, ch: char, size: f32) -> f32 {
        match self.font.lookup_glyph_index(u32::from(ch)) {
            Some(gid) => {
                f32::from(self.font.get_horizontal_advance(gid)) / self.units_per_em * size
            }
            None if ch.is_ascii() => size * 0.5,
            None => size,
        }
    }

    /// The width of `text` at `size` points.
    fn text_width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|ch| self.char_width(ch, size)).sum()
    }

    /// Wraps `text` to `width` points at `size`.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        wrap_text(text, width, |ch| self.char_width(ch, size))
    }

    /// Renders `notice` as an A4 PDF. The output is deterministic: the same notice always
    /// gives the same bytes (fixed font resource name, dates from
    /// [`PdfNotice::published_at`], document identifier from [`PdfNotice::notice_id`]).
    pub fn render(&self, notice: &PdfNotice) -> Result<Vec<u8>> {
        let pages = self.layout(notice);
        let total = pages.len();

        let mut doc = PdfDocument::new(&notice.title);
        let date = notice.pdf_date();
        let document_id = notice.document_id();
        let info = &mut doc.metadata.info;
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
        info.producer = PRODUCER.to_owned();
        info.creator = PRODUCER.to_owned();
        info.identifier = document_id.clone();
        // `add_font` would name the resource randomly; insert it under a fixed name instead.
        let font_id = FontId(FONT_RESOURCE.to_owned());
        doc.resources
            .fonts
            .map
            .insert(font_id.clone(), PdfFont::new(self.font.clone()));
        let handle = PdfFontHandle::External(font_id);

        let mut pdf_pages = Vec::with_capacity(total);
        for (index, mut lines) in pages.into_iter().enumerate() {
            let footer = format!("第 {} 页 共 {} 页", index + 1, total);
            let footer_x = (PAGE_WIDTH - self.text_width(&footer, FOOTER_SIZE)) / 2.0;
            lines.push(PlacedLine {
                x: footer_x,
                baseline: FOOTER_BASELINE,
                size: FOOTER_SIZE,
                bold: false,
                text: footer,
            });
            pdf_pages.push(PdfPage::new(
                Mm(210.0),
                Mm(297.0),
                self.page_ops(&lines, &handle),
            ));
        }

        // As `PdfDocument::save`, but with the trailer's `/ID` (random in printpdf) replaced
        // by the notice's own identifier.
        let options = PdfSaveOptions::default();
        let mut warnings = Vec::new();
        let mut pdf = doc
            .with_pages(pdf_pages)
            .to_lopdf_document(&options, &mut warnings);
        if let Ok(ids) = pdf
            .trailer
            .get_mut(b"ID")
            .and_then(|object| object.as_array_mut())
        {
            for id in ids.iter_mut() {
                if let Ok(text) = id.as_str_mut() {
                    *text = document_id.as_bytes().to_vec();
                }
            }
        }
        for object in pdf.objects.values_mut() {
            if let Ok(stream) = object.as_stream_mut()
                && stream.allows_compression
                && stream.dict.get(b"Filter").is_err()
            {
                let packed = deflate(&stream.content)?;
                // As lopdf: keep a stream whose compressed form would not be smaller.
                if packed.len() + 19 < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(packed);
                }
            }
        }
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes)
            .map_err(|e| anyhow!("the notice PDF could not be written: {e}"))?;
        if bytes.is_empty() {
            return Err(anyhow!("printpdf produced an empty document: {warnings:?}"));
        }
        Ok(bytes)
    }

    /// Lays the notice out into pages of placed lines (without page numbers).
    fn layout(&self, notice: &PdfNotice) -> Vec<Vec<PlacedLine>> {
        let text_width = PAGE_WIDTH - 2.0 * MARGIN_X;
        let mut layout = Layout::new();

        for line in self.wrap(&notice.title, TITLE_SIZE, text_width) {
            let x = (PAGE_WIDTH - self.text_width(&line, TITLE_SIZE)) / 2.0;
            layout.line(x, TITLE_SIZE, true, line);
        }
        if let Some(number) = &notice.project_number {
            let text = format!("项目编号：{number}");
            for line in self.wrap(&text, META_SIZE, text_width) {
                let x = (PAGE_WIDTH - self.text_width(&line, META_SIZE)) / 2.0;
                layout.line(x, META_SIZE, false, line);
            }
        }
        layout.gap(BODY_SIZE);

        for section in &notice.sections {
            if let Some(heading) = &section.heading {
                layout.gap(BODY_SIZE * 0.4);
                // Keep a heading with the first line below it.
                layout.ensure_room((HEADING_SIZE + BODY_SIZE) * LINE_SPACING);
                for line in self.wrap(heading, HEADING_SIZE, text_width) {
                    layout.line(MARGIN_X, HEADING_SIZE, true, line);
                }
            }
            for paragraph in &section.paragraphs {
                for line in self.wrap(paragraph, BODY_SIZE, text_width) {
                    layout.line(MARGIN_X, BODY_SIZE, false, line);
                }
            }
        }
        layout.pages
    }

    /// The drawing operations of one page: each run of a line between spaces in its own
    /// text object, placed where it would stand after the spaces. (Drawing a space glyph
    /// leaves no gap `pdftotext` recognises, so `第 1 页` would extract as `第1页`.)
    fn page_ops(&self, lines: &[PlacedLine], font: &PdfFontHandle) -> Vec<Op> {
        let mut ops = Vec::with_capacity(lines.len() * 5 + 2);
        ops.push(Op::SetOutlineThickness {
            pt: Pt(FAUX_BOLD_STROKE),
        });
        ops.push(Op::SetTextRenderingMode {
            mode: TextRenderingMode::Fill,
        });
        let mut bold = false;
        for line in lines {
            if line.bold != bold {
                bold = line.bold;
                ops.push(Op::SetTextRenderingMode {
                    mode: if bold {
                        TextRenderingMode::FillStroke
                    } else {
                        TextRenderingMode::Fill
                    },
                });
            }
            let space = self.char_width(' ', line.size).max(line.size * 0.25);
            let mut x = line.x;
            for (index, run) in line.text.split(' ').enumerate() {
                if index > 0 {
                    x += space;
                }
                if run.is_empty() {
                    continue;
                }
                ops.push(Op::StartTextSection);
                ops.push(Op::SetFont {
                    font: font.clone(),
                    size: Pt(line.size),
                });
                ops.push(Op::SetTextCursor {
                    pos: Point {
                        x: Pt(x),
                        y: Pt(line.baseline),
                    },
                });
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(run.to_string())],
                });
                ops.push(Op::EndTextSection);
                x += self.text_width(run, line.size);
            }
        }
        ops
    }
}

/// The zlib level of the PDF's streams (the embedded font subset and the pages). lopdf's own
/// `compress` uses the best level, 9, which took a third of a render in a profile; measured
/// on a one-page award notice, level 9 gave 40,491 bytes in 5.3 ms per render, level 6 the
/// same size in 5.1 ms, and level 1 gives 41,567 bytes (3 % more) in 4.5 ms.
const STREAM_COMPRESSION: u32 = 1;

/// `bytes` deflated (zlib, [`STREAM_COMPRESSION`]), as a PDF `FlateDecode` stream holds them.
fn deflate(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 2),
        flate2::Compression::new(STREAM_COMPRESSION),
    );
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

/// Wraps `text` into lines no wider than `max_width`, measuring each character with
/// `width_of`, under the Chinese line-breaking rules (避头尾):
///
/// - a line may break between any two CJK characters, but a run of Latin letters and
///   digits (a project number, an amount such as `1,000,000.00`) stays whole unless it is
///   wider than a line by itself;
/// - no line starts with a closing mark ([`NO_LINE_START`]: `，。、；：！？）》」`…): it is
///   carried down together with the character before it;
/// - no line ends with an opening mark ([`NO_LINE_END`]: `（《「`…): it is carried down
///   with the character after it;
/// - spaces at a line break are dropped.
///
/// Only an unbreakable piece wider than a whole line is cut character by character.
pub fn wrap_text(text: &str, max_width: f32, width_of: impl Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0_f32;

    for piece in unbreakable_pieces(text) {
        let is_space = piece.chars().all(char::is_whitespace);
        let width: f32 = piece.chars().map(&width_of).sum();

        if is_space {
            if !line.is_empty() {
                line.push_str(&piece);
                line_width += width;
            }
            continue;
        }
        if line_width + width <= max_width + f32::EPSILON * max_width.abs().max(1.0) {
            line.push_str(&piece);
            line_width += width;
            continue;
        }
        if !line.is_empty() {
            lines.push(line.trim_end().to_string());
            line.clear();
            line_width = 0.0;
        }
        if width <= max_width {
            line.push_str(&piece);
            line_width = width;
            continue;
        }
        // Wider than a line on its own: cut it where it overflows.
        for ch in piece.chars() {
            let ch_width = width_of(ch);
            if line_width + ch_width > max_width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(ch);
            line_width += ch_width;
        }
    }
    let last = line.trim_end();
    if !last.is_empty() || lines.is_empty() {
        lines.push(last.to_string());
    }
    lines
}

/// Splits `text` into the pieces a line may not break inside: single CJK characters, runs of
/// other non-space characters, runs of spaces; then glues each closing mark to the piece
/// before it and each opening mark to the piece after it.
fn unbreakable_pieces(text: &str) -> Vec<String> {
    // 1. Raw pieces.
    let mut raw: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut spaces = String::new();
    for ch in text.chars() {
        if ch.is_whitespace() && ch != '\u{3000}' {
            if !word.is_empty() {
                raw.push(std::mem::take(&mut word));
            }
            spaces.push(' ');
            continue;
        }
        if !spaces.is_empty() {
            raw.push(std::mem::take(&mut spaces));
        }
        // ASCII punctuation stays inside its word (`1,000,000.00`, `(2026)`); full-width
        // and typographic marks are pieces of their own, glued below.
        let is_mark = !ch.is_ascii() && (NO_LINE_START.contains(&ch) || NO_LINE_END.contains(&ch));
        let glue_to_word = !is_wide(ch) && !is_mark;
        if glue_to_word {
            word.push(ch);
        } else {
            if !word.is_empty() {
                raw.push(std::mem::take(&mut word));
            }
            raw.push(ch.to_string());
        }
    }
    if !word.is_empty() {
        raw.push(word);
    }
    if !spaces.is_empty() {
        raw.push(spaces);
    }

    // 2. Glue: a closing mark joins the piece before it, an opening mark the piece after it.
    let mut pieces: Vec<String> = Vec::with_capacity(raw.len());
    let mut carry = String::new();
    for piece in raw {
        let first = piece.chars().next();
        let is_space = piece.starts_with(' ');
        let closes =
            first.is_some_and(|ch| NO_LINE_START.contains(&ch)) && piece.chars().count() == 1;
        let opens = first.is_some_and(|ch| NO_LINE_END.contains(&ch)) && piece.chars().count() == 1;
        if closes
            && carry.is_empty()
            && let Some(previous) = pieces.last_mut().filter(|p| !p.starts_with(' '))
        {
            previous.push_str(&piece);
            continue;
        }
        if opens {
            carry.push_str(&piece);
            continue;
        }
        if is_space {
            // An opening mark before a space stays with what precedes it.
            if !carry.is_empty() {
                match pieces.last_mut().filter(|p| !p.starts_with(' ')) {
                    Some(previous) => previous.push_str(&carry),
                    None => pieces.push(carry.clone()),
                }
                carry.clear();
            }
            pieces.push(piece);
            continue;
        }
        carry.push_str(&piece);
        pieces.push(std::mem::take(&mut carry));
    }
    if !carry.is_empty() {
        match pieces.last_mut().filter(|p| !p.starts_with(' ')) {
            Some(previous) => previous.push_str(&carry),
            None => pieces.push(carry),
        }
    }
    pieces
}

/// Whether `ch` is a full-width (CJK) character, after which a line may break.
fn is_wide(ch: char) -> bool {
    matches!(u32::from(ch),
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// Block-level tags that end the text collected so far.
const BLOCK_TAGS: &[&str] = &[
    "p", "div", "section", "article", "table", "thead", "tbody", "tr", "ul", "ol", "li", "br",
    "h1", "h2", "h3", "h4", "h5", "h6",
];

/// Turns a notice's HTML body into sections: see [`PdfNotice::from_html`].
fn sections_from_html(html: &str) -> Vec<PdfSection> {
    let mut sections: Vec<PdfSection> = Vec::new();
    let mut current = PdfSection::default();
    let mut text = String::new();
    let mut in_heading = false;
    // One counter per open list: Some(n) inside <ol>, None inside <ul>.
    let mut lists: Vec<Option<u32>> = Vec::new();
    let mut cells_in_row = 0_usize;

    let mut rest = html;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            text.push_str(rest);
            break;
        };
        text.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('>') else {
            text.push_str(after);
            break;
        };
        let tag = &after[1..close];
        rest = &after[close + 1..];

        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();

        if matches!(name.as_str(), "td" | "th") && !closing {
            if cells_in_row > 0 {
                text.push_str("\u{3000}\u{3000}");
            }
            cells_in_row += 1;
            continue;
        }
        if !BLOCK_TAGS.contains(&name.as_str()) {
            continue;
        }

        let paragraph = clean_text(&text);
        text.clear();
        if !paragraph.is_empty() {
            if in_heading {
                if current.heading.is_some() || !current.paragraphs.is_empty() {
                    sections.push(std::mem::take(&mut current));
                }
                current.heading = Some(paragraph);
            } else {
                current.paragraphs.push(paragraph);
            }
        }

        let is_heading = name.len() == 2 && name.starts_with('h') && name != "hr";
        if is_heading {
            in_heading = !closing;
        }
        match (name.as_str(), closing) {
            ("ol", false) => lists.push(Some(0)),
            ("ul", false) => lists.push(None),
            ("ol" | "ul", true) => {
                lists.pop();
            }
            ("li", false) => {
                if let Some(Some(counter)) = lists.last_mut() {
                    *counter += 1;
                    text.push_str(&format!("{counter}. "));
                } else if lists.last().is_some() {
                    text.push_str("· ");
                }
            }
            ("tr", false) => cells_in_row = 0,
            _ => {}
        }
    }
    let paragraph = clean_text(&text);
    if !paragraph.is_empty() {
        current.paragraphs.push(paragraph);
    }
    if current.heading.is_some() || !current.paragraphs.is_empty() {
        sections.push(current);
    }
    sections
}

/// Unescapes entities and collapses runs of ASCII whitespace to one space (an ideographic
/// space, U+3000, is kept as written).
fn clean_text(raw: &str) -> String {
    let unescaped = unescape_entities(raw);
    let mut out = String::with_capacity(unescaped.len());
    let mut pending_space = false;
    for ch in unescaped.chars() {
        if ch.is_whitespace() && ch != '\u{3000}' {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(ch);
    }
    out
}

/// Replaces the named entities askama and hand-written HTML use, and numeric references
/// (`&#34;`, `&#x27;`); anything else is left as written.
fn unescape_entities(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &after[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let code = if let Some(hex) = entity
                        .strip_prefix("#x")
                        .or_else(|| entity.strip_prefix("#X"))
                    {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(decimal) = entity.strip_prefix('#') {
                        decimal.parse::<u32>().ok()
                    } else {
                        None
                    };
                    code.and_then(char::from_u32)
                }
            };
            ch.map(|ch| (ch, end))
        });
        match decoded {
            Some((ch, end)) => {
                out.push(ch);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::{format_yuan, to_chinese_capitals};
    use rust_decimal::dec;
    use std::process::Command;

    /// Every character one unit wide.
    fn unit(_: char) -> f32 {
        1.0
    }

    /// Extracts a PDF's text with poppler's `pdftotext -raw` (content-stream order; the
    /// default mode drops the spaces between CJK runs, `第 1 页` → `第1页`).
    fn pdftotext(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notice.pdf");
        std::fs::write(&path, bytes).expect("write pdf");
        let output = Command::new("pdftotext")
            .arg("-raw")
            .arg("-enc")
            .arg("UTF-8")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext runs (install poppler-utils)");
        assert!(output.status.success(), "pdftotext failed: {output:?}");
        String::from_utf8(output.stdout).expect("utf-8 text")
    }

    /// Text with whitespace removed, so a wrapped line does not hide a phrase.
    fn squeeze(text: &str) -> String {
        text.chars().filter(|ch| !ch.is_whitespace()).collect()
    }

    /// An award notice body shaped like `templates/notices/award.html`.
    fn award_html(extra_paragraphs: usize) -> String {
        let amount = dec!(1000000);
        let price = format!(
            "{}（{}）",
            format_yuan(amount),
            to_chinese_capitals(amount).expect("capitals")
        );
        let mut html = format!(
            "<section class=\"notice notice-award\">\n<h2>一、项目编号</h2>\n<p>NX-XQ-2026-0042</p>\n\
             <h2>二、项目名称</h2>\n<p>兴庆区2026年困难群众社会工作服务项目</p>\n\
             <h2>三、中标（成交）信息</h2>\n<p>供应商名称：银川市堃赟社会工作服务中心</p>\n\
             <p>中标（成交）金额：{price}</p>\n<h2>五、评审专家名单</h2>\n<p>王昇、李喆、张三</p>\n\
             <h2>七、其他事项</h2>\n<table class=\"notice-ranking\">\n\
             <thead><tr><th>排名</th><th>供应商</th><th>投标报价</th><th>综合得分</th></tr></thead>\n\
             <tbody>\n<tr><td>1</td><td>银川市堃赟社会工作服务中心</td><td>¥1,000,000.00</td><td>92.50</td></tr>\n\
             </tbody>\n</table>\n<p>联系人：赵喆　联系电话：0951-1234567 &amp; &lt;备用&gt;</p>\n"
        );
        for n in 0..extra_paragraphs {
            html.push_str(&format!(
                "<p>第{n}条：供应商认为中标（成交）结果使自己的权益受到损害的，可以在质疑期内以书面形式\
                 向采购人提出质疑；采购人应当在收到书面质疑后七个工作日内作出答复，并以书面形式通知\
                 质疑供应商和其他有关供应商。</p>\n"
            ));
        }
        html.push_str("</section>\n");
        html
    }

    fn notice(extra_paragraphs: usize) -> PdfNotice {
        PdfNotice::from_html(
            "兴庆区2026年困难群众社会工作服务项目中标（成交）结果公告",
            Some("NX-XQ-2026-0042"),
            &award_html(extra_paragraphs),
        )
    }

    #[test]
    fn a_long_notice_extracts_with_rare_characters_capitals_and_page_numbers() {
        let renderer = PdfRenderer::new().expect("font parses");
        let bytes = renderer.render(&notice(80)).expect("renders");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = pdftotext(&bytes);
        let flat = squeeze(&text);

        assert!(
            flat.contains("兴庆区2026年困难群众社会工作服务项目中标（成交）结果公告"),
            "title missing from: {text}"
        );
        assert!(flat.contains("项目编号：NX-XQ-2026-0042"), "{text}");
        for rare in ['堃', '赟', '昇', '喆'] {
            assert!(text.contains(rare), "{rare} missing from: {text}");
        }
        assert!(flat.contains("银川市堃赟社会工作服务中心"), "{text}");
        assert!(flat.contains("王昇、李喆"), "{text}");
        assert!(flat.contains("人民币壹佰万元整"), "{text}");
        assert!(flat.contains("¥1,000,000.00"), "{text}");
        assert!(flat.contains("0951-1234567&<备用>"), "entities: {text}");
        assert!(text.contains("第 1 页"), "{text}");
        assert!(text.contains("第 2 页"), "{text}");
        let pages = renderer.layout(&notice(80)).len();
        assert!(pages >= 2);
        assert!(text.contains(&format!("共 {pages} 页")), "{text}");
    }

    #[test]
    fn the_same_notice_always_renders_to_the_same_bytes() {
        let renderer = PdfRenderer::shared().expect("font parses");
        let published_at =
            NaiveDateTime::parse_from_str("2026-04-21 02:03:04", "%Y-%m-%d %H:%M:%S")
                .expect("time");
        let stored = PdfNotice {
            notice_id: Some(42),
            published_at: Some(published_at),
            ..notice(0)
        };
        let started = std::time::Instant::now();
        let first = renderer.render(&stored).expect("renders");
        let elapsed = started.elapsed();
        let second = PdfRenderer::new()
            .expect("font parses")
            .render(&stored.clone())
            .expect("renders again");
        assert!(first == second, "two renderings differ");
        let raw = String::from_utf8_lossy(&first);
        // Dates from the publication time; the identifier from the notice id.
        assert!(raw.contains("D:20260421020304"), "creation date missing");
        assert_eq!(stored.document_id().len(), 32);
        assert!(raw.contains(&stored.document_id()), "document id missing");

        // Another notice id changes the identifier, and nothing else.
        let other = PdfNotice {
            notice_id: Some(43),
            ..stored.clone()
        };
        assert_ne!(other.document_id(), stored.document_id());
        let third = renderer.render(&other).expect("renders");
        assert_eq!(third.len(), first.len());
        assert_ne!(
            crate::storage::sha256_hex(&third),
            crate::storage::sha256_hex(&first)
        );
        eprintln!(
            "one-page notice PDF: {} bytes, rendered in {:.1} ms",
            first.len(),
            elapsed.as_secs_f64() * 1000.0
        );
    }

    #[test]
    fn a_one_page_notice_is_small() {
        let renderer = PdfRenderer::new().expect("font parses");
        let one_page = notice(0);
        assert_eq!(renderer.layout(&one_page).len(), 1);
        let bytes = renderer.render(&one_page).expect("renders");
        assert!(
            bytes.len() <= 60 * 1024,
            "one page is {} bytes",
            bytes.len()
        );
        let text = pdftotext(&bytes);
        assert!(text.contains("第 1 页 共 1 页"), "{text}");
        assert!(!text.contains("第 2 页"), "{text}");
    }

    #[test]
    fn the_streams_are_compressed() {
        let renderer = PdfRenderer::new().expect("font parses");
        let bytes = renderer.render(&notice(0)).expect("renders");
        let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
        // Every stream (the page, the font subset, its ToUnicode map) is deflated, so no
        // drawing operator appears in the clear.
        assert!(count(b"endstream") >= 3, "{} streams", count(b"endstream"));
        assert_eq!(count(b"/FlateDecode"), count(b"endstream"));
        assert_eq!(count(b" Tf\n"), 0, "a page's text operators are readable");
        // And the deflated streams are what the renderer wrote: pdftotext reads them.
        assert!(pdftotext(&bytes).contains("第 1 页 共 1 页"));
    }

    #[test]
    fn no_wrapped_line_of_a_notice_breaks_the_rules() {
        let renderer = PdfRenderer::new().expect("font parses");
        for page in renderer.layout(&notice(40)) {
            for line in page {
                let first = line.text.chars().next();
                let last = line.text.chars().last();
                assert!(
                    !first.is_some_and(|ch| NO_LINE_START.contains(&ch)),
                    "{:?}",
                    line.text
                );
                assert!(
                    !last.is_some_and(|ch| NO_LINE_END.contains(&ch)),
                    "{:?}",
                    line.text
                );
                let width = renderer.text_width(&line.text, line.size);
                assert!(
                    width <= PAGE_WIDTH - 2.0 * MARGIN_X + 0.01,
                    "{:?}",
                    line.text
                );
            }
        }
    }

    #[test]
    fn the_html_body_becomes_sections() {
        let html = "<section><p>前言 &#34;引&#x27;</p><h2>一、项目编号</h2>\n<p>A-1</p>\
                    <h2>五、资格</h2><ol><li>满 3 年；</li><li>不少于 5 人。</li></ol>\
                    <table><tr><th>排名</th><th>供应商</th></tr><tr><td>1</td><td>甲</td></tr></table></section>";
        let sections = sections_from_html(html);
        assert_eq!(
            sections,
            vec![
                PdfSection {
                    heading: None,
                    paragraphs: vec!["前言 \"引'".to_string()],
                },
                PdfSection {
                    heading: Some("一、项目编号".to_string()),
                    paragraphs: vec!["A-1".to_string()],
                },
                PdfSection {
                    heading: Some("五、资格".to_string()),
                    paragraphs: vec![
                        "1. 满 3 年；".to_string(),
                        "2. 不少于 5 人。".to_string(),
                        "排名\u{3000}\u{3000}供应商".to_string(),
                        "1\u{3000}\u{3000}甲".to_string(),
                    ],
                },
            ]
        );
    }

    #[test]
    fn unescape_handles_named_numeric_and_stray_ampersands() {
        assert_eq!(
            unescape_entities("a &amp; b &lt;c&gt; &#20154;&#x6C11; & d &bogus; e"),
            "a & b <c> 人民 & d &bogus; e"
        );
    }

    #[test]
    fn a_line_that_fits_exactly_is_not_broken() {
        assert_eq!(wrap_text("一二三四五", 5.0, unit), vec!["一二三四五"]);
        assert_eq!(
            wrap_text("一二三四五六", 5.0, unit),
            vec!["一二三四五", "六"]
        );
        assert_eq!(wrap_text("", 5.0, unit), vec![""]);
    }

    #[test]
    fn a_closing_mark_never_starts_a_line() {
        // The comma would be the sixth character: it goes down with 五.
        assert_eq!(
            wrap_text("一二三四五，六七", 5.0, unit),
            vec!["一二三四", "五，六七"]
        );
        // One that still fits stays on its line.
        assert_eq!(
            wrap_text("一二三四，五六", 5.0, unit),
            vec!["一二三四，", "五六"]
        );
        // Several closing marks travel together.
        for mark in ['，', '。', '、', '；', '：', '！', '？', '）', '》', '」'] {
            let text = format!("一二三四五{mark}{mark}六");
            let lines = wrap_text(&text, 5.0, unit);
            assert_eq!(
                lines,
                vec!["一二三四".to_string(), format!("五{mark}{mark}六")],
                "{mark}"
            );
        }
    }

    #[test]
    fn an_opening_mark_never_ends_a_line() {
        // （ would be the fifth and last character: it goes down with 中.
        assert_eq!(
            wrap_text("一二三四（中标）", 5.0, unit),
            vec!["一二三四", "（中标）"]
        );
        for mark in ['（', '《', '「'] {
            let text = format!("一二三四{mark}五六");
            let lines = wrap_text(&text, 5.0, unit);
            assert_eq!(
                lines,
                vec!["一二三四".to_string(), format!("{mark}五六")],
                "{mark}"
            );
        }
        // An opening mark at the very end has nothing to join and stays where it is.
        assert_eq!(wrap_text("一二（", 5.0, unit), vec!["一二（"]);
    }

    #[test]
    fn latin_runs_stay_whole_and_overlong_ones_are_cut() {
        let half = |ch: char| if ch.is_ascii() { 0.5 } else { 1.0 };
        // The number moves to the next line instead of being split.
        assert_eq!(
            wrap_text("金额：1,000,000.00元", 6.0, half),
            vec!["金额：", "1,000,000.00", "元"]
        );
        // A run longer than a line is cut where it overflows.
        assert_eq!(wrap_text("ABCDEFGH", 2.0, half), vec!["ABCD", "EFGH"]);
        // Spaces at a break are dropped.
        assert_eq!(wrap_text("ab cd ef", 2.5, half), vec!["ab cd", "ef"]);
    }

    #[test]
    fn the_renderer_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PdfRenderer>();
    }
}
