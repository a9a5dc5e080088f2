-- +goose NO TRANSACTION
-- +goose Up
-- Maximum lengths of every stored text, in characters (char_length), the
-- same as the domain's tables: domain.PenaltyFields and PermitFields (the
-- 双公示 standard's lengths) and domain.ListFields (Gongshi's own for the
-- lists), which ingest and import check first. These constraints are the
-- last line: no path that skips the domain can store a 10 MB 备注.
--
-- On a large database this must not hold a lock for long. Each constraint
-- is added NOT VALID, which takes the table's ACCESS EXCLUSIVE lock only for
-- a moment and checks every row written from then on, and then validated
-- in a statement of its own — hence NO TRANSACTION — under a SHARE UPDATE
-- EXCLUSIVE lock that lets reads and writes go on while it scans the rows
-- already there. One constraint per table keeps that to one scan.
--
-- Rows stored before the limits may break them. They are not cut down: a
-- published decision is not rewritten by a schema change. Instead that
-- table's constraint stays NOT VALID (still enforced on every new or
-- changed row) and the migration warns; find such tables and rows with
--   SELECT conrelid::regclass, conname FROM pg_constraint WHERE NOT convalidated;
--   SELECT id FROM penalties WHERE NOT (<the constraint's condition>);
-- then withdraw or correct the rows and VALIDATE CONSTRAINT by hand.
-- Withdrawn records are exempt from the limits on their content, so that
-- such a record can always be withdrawn.
--
-- Every statement can run again after a failure part-way.

-- max_char_length is the length of the longest element of a text array
-- (0 for an empty one).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION max_char_length(a text[]) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(max(char_length(x)), 0) FROM unnest(a) AS x $$;
-- +goose StatementEnd

ALTER TABLE penalties DROP CONSTRAINT IF EXISTS penalties_text_lengths;
ALTER TABLE penalties ADD CONSTRAINT penalties_text_lengths CHECK (char_length(withdraw_note) <= 1000 AND (status = 'withdrawn' OR (
        char_length(decision_no) <= 128
        AND char_length(party_name) <= 200
        AND char_length(credit_code) <= 18
        AND char_length(business_reg_no) <= 50
        AND char_length(org_code) <= 10
        AND char_length(tax_reg_no) <= 20
        AND char_length(institution_no) <= 50
        AND char_length(social_org_no) <= 50
        AND char_length(legal_rep) <= 50
        AND char_length(legal_rep_id_type) <= 64
        AND char_length(legal_rep_id_no) <= 64
        AND char_length(id_type) <= 64
        AND char_length(id_no) <= 64
        AND char_length(violation_type) <= 2000
        AND char_length(facts) <= 2000
        AND char_length(basis) <= 2000
        AND char_length(content) <= 4000
        AND char_length(licence_affected) <= 200
        AND char_length(source_name) <= 200
        AND char_length(remarks) <= 512))) NOT VALID;

ALTER TABLE permits DROP CONSTRAINT IF EXISTS permits_text_lengths;
ALTER TABLE permits ADD CONSTRAINT permits_text_lengths CHECK (char_length(withdraw_note) <= 1000 AND (status = 'withdrawn' OR (
        char_length(document_name) <= 64
        AND char_length(decision_no) <= 64
        AND char_length(party_name) <= 200
        AND char_length(credit_code) <= 18
        AND char_length(business_reg_no) <= 50
        AND char_length(org_code) <= 10
        AND char_length(tax_reg_no) <= 20
        AND char_length(institution_no) <= 50
        AND char_length(social_org_no) <= 50
        AND char_length(legal_rep) <= 50
        AND char_length(legal_rep_id_type) <= 64
        AND char_length(legal_rep_id_no) <= 64
        AND char_length(id_type) <= 64
        AND char_length(id_no) <= 64
        AND char_length(certificate_name) <= 64
        AND char_length(permit_no) <= 64
        AND char_length(content) <= 4000
        AND char_length(source_name) <= 200
        AND char_length(remarks) <= 512))) NOT VALID;

ALTER TABLE agencies DROP CONSTRAINT IF EXISTS agencies_text_lengths;
ALTER TABLE agencies ADD CONSTRAINT agencies_text_lengths CHECK (
        char_length(name) <= 200) NOT VALID;

ALTER TABLE list_versions DROP CONSTRAINT IF EXISTS list_versions_text_lengths;
ALTER TABLE list_versions ADD CONSTRAINT list_versions_text_lengths CHECK (
        char_length(note) <= 1000) NOT VALID;

ALTER TABLE list_changes DROP CONSTRAINT IF EXISTS list_changes_text_lengths;
ALTER TABLE list_changes ADD CONSTRAINT list_changes_text_lengths CHECK (
        char_length(code) <= 64
        AND char_length(name) <= 500) NOT VALID;

ALTER TABLE power_items DROP CONSTRAINT IF EXISTS power_items_text_lengths;
ALTER TABLE power_items ADD CONSTRAINT power_items_text_lengths CHECK (
        char_length(code) <= 64
        AND char_length(name) <= 200
        AND max_char_length(sub_items) <= 200
        AND char_length(legal_basis) <= 4000
        AND char_length(unit) <= 200
        AND char_length(level) <= 32
        AND char_length(accountability) <= 4000
        AND char_length(remarks) <= 1000
        AND char_length(guide_basis) <= 4000
        AND char_length(guide_applicant) <= 1000
        AND char_length(guide_channels) <= 1000
        AND char_length(guide_time_place) <= 1000
        AND char_length(guide_conditions) <= 4000
        AND max_char_length(guide_materials) <= 500
        AND char_length(statutory_limit) <= 200
        AND char_length(promised_limit) <= 200
        AND char_length(fees) <= 1000
        AND char_length(consult_phone) <= 100
        AND char_length(complaint_phone) <= 100
        AND char_length(online_url) <= 2000
        AND char_length(guide_notes) <= 4000) NOT VALID;

ALTER TABLE power_duties DROP CONSTRAINT IF EXISTS power_duties_text_lengths;
ALTER TABLE power_duties ADD CONSTRAINT power_duties_text_lengths CHECK (
        char_length(stage) <= 32
        AND char_length(content) <= 2000) NOT VALID;

ALTER TABLE flow_nodes DROP CONSTRAINT IF EXISTS flow_nodes_text_lengths;
ALTER TABLE flow_nodes ADD CONSTRAINT flow_nodes_text_lengths CHECK (
        char_length(key) <= 64
        AND char_length(label) <= 200
        AND char_length(time_limit) <= 200
        AND char_length(note) <= 1000) NOT VALID;

ALTER TABLE flow_edges DROP CONSTRAINT IF EXISTS flow_edges_text_lengths;
ALTER TABLE flow_edges ADD CONSTRAINT flow_edges_text_lengths CHECK (
        char_length(label) <= 200) NOT VALID;

ALTER TABLE responsibility_items DROP CONSTRAINT IF EXISTS responsibility_items_text_lengths;
ALTER TABLE responsibility_items ADD CONSTRAINT responsibility_items_text_lengths CHECK (
        char_length(code) <= 64
        AND char_length(duty) <= 1000
        AND char_length(name) <= 500
        AND char_length(detail) <= 4000
        AND char_length(accountability) <= 4000
        AND char_length(basis) <= 4000) NOT VALID;

ALTER TABLE service_items DROP CONSTRAINT IF EXISTS service_items_text_lengths;
ALTER TABLE service_items ADD CONSTRAINT service_items_text_lengths CHECK (
        char_length(code) <= 64
        AND char_length(name) <= 200
        AND char_length(target) <= 1000
        AND char_length(basis) <= 4000
        AND char_length(unit) <= 200
        AND char_length(conditions) <= 4000
        AND max_char_length(materials) <= 500
        AND char_length(process) <= 4000
        AND char_length(time_limit) <= 200
        AND char_length(fees) <= 1000
        AND char_length(consult_phone) <= 100
        AND char_length(complaint_phone) <= 100) NOT VALID;

-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['penalties', 'permits', 'agencies', 'list_versions', 'list_changes', 'power_items', 'power_duties', 'flow_nodes', 'flow_edges', 'responsibility_items', 'service_items'] LOOP
        BEGIN
            EXECUTE format('ALTER TABLE %I VALIDATE CONSTRAINT %I', t, t || '_text_lengths');
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING 'rows of % exceed the text length limits; % stays NOT VALID (see migration 00008)',
                t, t || '_text_lengths';
        END;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE service_items DROP CONSTRAINT IF EXISTS service_items_text_lengths;
ALTER TABLE responsibility_items DROP CONSTRAINT IF EXISTS responsibility_items_text_lengths;
ALTER TABLE flow_edges DROP CONSTRAINT IF EXISTS flow_edges_text_lengths;
ALTER TABLE flow_nodes DROP CONSTRAINT IF EXISTS flow_nodes_text_lengths;
ALTER TABLE power_duties DROP CONSTRAINT IF EXISTS power_duties_text_lengths;
ALTER TABLE power_items DROP CONSTRAINT IF EXISTS power_items_text_lengths;
ALTER TABLE list_changes DROP CONSTRAINT IF EXISTS list_changes_text_lengths;
ALTER TABLE list_versions DROP CONSTRAINT IF EXISTS list_versions_text_lengths;
ALTER TABLE agencies DROP CONSTRAINT IF EXISTS agencies_text_lengths;
ALTER TABLE permits DROP CONSTRAINT IF EXISTS permits_text_lengths;
ALTER TABLE penalties DROP CONSTRAINT IF EXISTS penalties_text_lengths;
DROP FUNCTION IF EXISTS max_char_length(text[]);
