-- +goose Up
-- Inspection results are found by the party's name. Only the public form
-- of a name may be searched: masking hides digits (and an ID number's
-- check letter after a digit) one for one, so gongshi_name_blind, which
-- turns every digit and every such letter into '*', gives the same text
-- for a stored name and for its masked, published form. A query is
-- blinded the same way, so no search can tell a hidden digit.
-- The trigram index keeps a name search (ILIKE '%…%') to the rows whose
-- trigrams match instead of a pass over every published result.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- +goose StatementBegin
CREATE FUNCTION gongshi_name_blind(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace(regexp_replace($1, '[0-9０-９]', '*', 'g'), '\*[XxＸｘ]', '**', 'g') $$;
-- +goose StatementEnd
CREATE INDEX inspection_results_public_name ON inspection_results
    USING gin (gongshi_name_blind(party_name) gin_trgm_ops) WHERE status = 'published';

-- +goose Down
DROP INDEX inspection_results_public_name;
DROP FUNCTION gongshi_name_blind(text);
