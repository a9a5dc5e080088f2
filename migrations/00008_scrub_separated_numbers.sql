-- +goose Up
-- gongshi_scrub hides every number run the public masking reads — digits
-- (ASCII or full-width) joined by up to 3 spaces, hyphens, dashes, dots or
-- zero-width characters, with a final check letter — that holds 11 digits
-- or more, so that a query term with digits can never match inside an
-- identifier the public read path masks (domain.MaskingRules.Text, whose
-- separators the class below lists). It hides more than the masking rules
-- do, never less.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION gongshi_scrub(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace($1,
        '[0-9０-９](?:[-. \t\u00A0\u00AD\u00B7\u2000-\u200D\u2010-\u2014\u202F\u205F\u2060\u2212\u3000\uFEFF\uFE63\uFF0D\uFF0E]{0,3}[0-9０-９]){10,}[XxＸｘ]?',
        '*', 'g') $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION gongshi_scrub(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace($1, '[0-9０-９]{11,}[Xx]?', '*', 'g') $$;
-- +goose StatementEnd
