-- Notices whose PDF is not rendered yet, oldest first: what the render_notice_pdfs job reads
-- every minute. Partial, so it stays tiny once every PDF is rendered.
CREATE INDEX notices_pdf_pending ON notices (published_at, id) WHERE pdf_sha256 IS NULL;
