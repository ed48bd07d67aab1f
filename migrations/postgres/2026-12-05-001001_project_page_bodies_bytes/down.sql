ALTER TABLE project_page_bodies ALTER COLUMN body TYPE text USING convert_from(body, 'UTF8');
