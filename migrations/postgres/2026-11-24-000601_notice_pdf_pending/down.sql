DROP INDEX notices_pdf_pending;
