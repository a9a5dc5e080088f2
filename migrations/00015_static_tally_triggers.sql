-- +goose Up
-- The tally triggers of 00012 built their statement as text and ran it
-- with EXECUTE, so PostgreSQL parsed and planned it again on every write
-- statement: about 3 ms a statement, ten times the cost of the write it
-- follows. The ingest API writes one INSERT … ON CONFLICT per record,
-- which fires both the INSERT and the UPDATE trigger, so publishing
-- through the API slowed to a fifth.
--
-- Here each table and operation gets its own trigger function whose
-- statement is written into the function's body once, at migration time,
-- from the same text gongshi_tally_statement builds: PL/pgSQL then plans
-- it once per connection and reuses the plan. TRUNCATE keeps
-- gongshi_tally().

-- The statement that appends the deltas of a write to the ledgers: kind
-- is penalty or permit, src a SELECT of the signed rows (sign, then the
-- table's columns) from the transition tables.
-- +goose StatementBegin
CREATE FUNCTION gongshi_tally_statement(kind text, src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT CASE kind WHEN 'penalty' THEN format($q$
    WITH g AS MATERIALIZED (
        SELECT sign, decision_date, agency_id, stage::text AS stage, categories, status, withdraw_reason,
            fine_yuan >= gongshi_large_fine_yuan() AS large, demo, (published_at AT TIME ZONE 'Asia/Shanghai')::date AS pday,
            date_trunc('month', withdrawn_at AT TIME ZONE 'Asia/Shanghai')::date AS wmonth, count(*) AS n, sum(fine_yuan) AS f, sum(confiscated_yuan) AS c,
            count(*) FILTER (WHERE fine_yuan > 0) AS fined, max(published_at) AS last
        FROM (%s) r GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
    t AS (
        INSERT INTO penalty_tallies
        SELECT date_trunc('month', decision_date)::date, agency_id, coalesce(stage, ''), categories,
            CASE WHEN status = 'published' THEN 'published' ELSE withdraw_reason::text END, large, demo,
            sum(sign * n), (sum(sign * f) * 100)::bigint, (sum(sign * c) * 100)::bigint, sum(sign * fined)
        FROM g GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(sign * n) <> 0 OR sum(sign * f) <> 0 OR sum(sign * c) <> 0 OR sum(sign * fined) <> 0)
    %s$q$, src, gongshi_tally_common(kind))
ELSE format($q$
    WITH g AS MATERIALIZED (
        SELECT sign, decision_date, agency_id, state, category, status, withdraw_reason, demo,
            (published_at AT TIME ZONE 'Asia/Shanghai')::date AS pday, date_trunc('month', withdrawn_at AT TIME ZONE 'Asia/Shanghai')::date AS wmonth, count(*) AS n, max(published_at) AS last
        FROM (%s) r GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    t AS (
        INSERT INTO permit_tallies
        SELECT date_trunc('month', decision_date)::date, agency_id, state::text, category,
            CASE WHEN status = 'published' THEN 'published' ELSE withdraw_reason::text END, demo, sum(sign * n)
        FROM g GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(sign * n) <> 0)
    %s$q$, src, gongshi_tally_common(kind)) END
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $do$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT tbl, kind, op, upper(op) AS event,
            CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END AS refs,
            CASE op WHEN 'insert' THEN 'SELECT 1 AS sign, * FROM new_rows'
                WHEN 'delete' THEN 'SELECT -1 AS sign, * FROM old_rows'
                ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END AS src
        FROM (VALUES ('penalties', 'penalty'), ('permits', 'permit')) k(tbl, kind),
            (VALUES ('insert'), ('update'), ('delete')) o(op)
    LOOP
        EXECUTE format('CREATE FUNCTION gongshi_tally_%s_%s() RETURNS trigger LANGUAGE plpgsql AS %L',
            t.kind, t.op, 'BEGIN ' || gongshi_tally_statement(t.kind, t.src) || '; RETURN NULL; END');
        EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_tally_' || t.op, t.tbl);
        -- ENABLE ALWAYS: the triggers fire also while a bulk load copies
        -- with session_replication_role = replica.
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally_%s_%s()',
            t.tbl || '_tally_' || t.op, t.event, t.tbl, t.refs, t.kind, t.op);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER %I', t.tbl, t.tbl || '_tally_' || t.op);
    END LOOP;
END
$do$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $do$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT tbl, kind, op, upper(op) AS event,
            CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END AS refs
        FROM (VALUES ('penalties', 'penalty'), ('permits', 'permit')) k(tbl, kind),
            (VALUES ('insert'), ('update'), ('delete')) o(op)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_tally_' || t.op, t.tbl);
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally()',
            t.tbl || '_tally_' || t.op, t.event, t.tbl, t.refs);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER %I', t.tbl, t.tbl || '_tally_' || t.op);
        EXECUTE format('DROP FUNCTION gongshi_tally_%s_%s()', t.kind, t.op);
    END LOOP;
END
$do$;
-- +goose StatementEnd
DROP FUNCTION gongshi_tally_statement(text, text);
