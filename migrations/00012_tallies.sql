-- +goose Up
-- Maintained figures: the home page, the statistics and the quarterly
-- figures read these small tables instead of counting the records.
--
-- Each table is a ledger of signed deltas, appended by statement-level
-- triggers in the transaction of every change to penalties and permits
-- (one GROUP BY over the statement's transition tables, so a COPY of many
-- rows adds one delta per group). A key's figure is the sum of its rows.
-- Writers only append, so concurrent writes never wait for each other on
-- a figure; gongshi_fold_tallies() folds the ledgers into one row per key
-- and is called by readers that find many unfolded rows.
--
-- state is 'published' or the withdraw reason; months are those of the
-- decision date.

CREATE TABLE penalty_tallies (
    month            date NOT NULL,        -- first day of the decision's month
    agency_id        bigint NOT NULL,
    stage            text NOT NULL,        -- 事前, 事故, or '' when not reported
    categories       text[] NOT NULL,
    state            text NOT NULL,
    large            boolean NOT NULL,     -- fine of at least gongshi_large_fine_yuan()
    demo             boolean NOT NULL,
    records          bigint NOT NULL,
    fines_fen        bigint NOT NULL,
    confiscated_fen  bigint NOT NULL,
    fined            bigint NOT NULL       -- records with a fine
);
CREATE INDEX penalty_tallies_month ON penalty_tallies (month);

CREATE TABLE permit_tallies (
    month            date NOT NULL,
    agency_id        bigint NOT NULL,
    permit_state     text NOT NULL,        -- 当前状态: 有效, 无效
    category         text NOT NULL,
    state            text NOT NULL,
    demo             boolean NOT NULL,
    records          bigint NOT NULL
);
CREATE INDEX permit_tallies_month ON permit_tallies (month);

-- The working-day calendar the publication lags are counted in, written
-- by the application from its holiday data (store.syncCalendar): for
-- every day, the number of working days since 1990-01-01 and the number
-- of the run of consecutive years with holiday data it falls in (0: a year
-- without). A change of calendar recounts publication_tallies.
CREATE TABLE workday_calendar (
    day   date PRIMARY KEY,
    n     integer NOT NULL,
    run   integer NOT NULL
);
CREATE TABLE workday_calendar_version (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    fingerprint text NOT NULL
);

-- Publication lag: working days from the decision date to the day (China
-- time) of published_at; counted is false when no holiday data covers
-- both days in one run (the lag is then withheld from timeliness).
CREATE TABLE publication_tallies (
    entity           text NOT NULL,        -- penalty, permit
    month            date NOT NULL,
    agency_id        bigint NOT NULL,
    state            text NOT NULL,
    lag              integer,              -- NULL: a day outside the calendar table
    counted          boolean NOT NULL,
    records          bigint NOT NULL,
    last_published   timestamptz NOT NULL  -- the latest published_at of the rows counted
);
CREATE INDEX publication_tallies_month ON publication_tallies (month);

-- Withdrawals by the month (China time) they were made and reason.
CREATE TABLE withdrawal_tallies (
    entity           text NOT NULL,
    month            date NOT NULL,
    reason           text NOT NULL,
    records          bigint NOT NULL
);

-- The fine from which (inclusive) a case counts as large (5万元), as
-- domain.DefaultEnforcementRules says; the quarterly figures of other
-- rules count from the records.
-- +goose StatementBegin
CREATE FUNCTION gongshi_large_fine_yuan() RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 50000::numeric $$;
-- +goose StatementEnd

-- The part of gongshi_tally's statement common to penalties and
-- permits: publication lags and withdrawals from the summed groups g.
-- +goose StatementBegin
CREATE FUNCTION gongshi_tally_common(kind text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$,
    p AS (
        INSERT INTO publication_tallies
        SELECT %L, date_trunc('month', g.decision_date)::date, g.agency_id,
            CASE WHEN g.status = 'published' THEN 'published' ELSE g.withdraw_reason::text END,
            c.n - d.n, coalesce(d.run <> 0 AND d.run = c.run, false), sum(sign * g.n), max(g.last)
        FROM g
        LEFT JOIN workday_calendar d ON d.day = g.decision_date
        LEFT JOIN workday_calendar c ON c.day = g.pday
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(sign * g.n) <> 0)
    INSERT INTO withdrawal_tallies
    SELECT %L, wmonth, withdraw_reason::text, sum(sign * n)
    FROM g WHERE status = 'withdrawn' GROUP BY 1, 2, 3 HAVING sum(sign * n) <> 0$q$, kind, kind)
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION gongshi_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src text;
    kind text := CASE TG_TABLE_NAME WHEN 'penalties' THEN 'penalty' ELSE 'permit' END;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF kind = 'penalty' THEN
            DELETE FROM penalty_tallies;
        ELSE
            DELETE FROM permit_tallies;
        END IF;
        DELETE FROM publication_tallies WHERE entity = kind;
        DELETE FROM withdrawal_tallies WHERE entity = kind;
        RETURN NULL;
    END IF;
    src := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END;
    -- One statement: the transition table is read once, summed by sign
    -- and raw columns (cheap per row); the few groups are then converted,
    -- signed and appended to each ledger.
    IF kind = 'penalty' THEN
        EXECUTE format($q$
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
            %s$q$, src, gongshi_tally_common(kind));
    ELSE
        EXECUTE format($q$
            WITH g AS MATERIALIZED (
                SELECT sign, decision_date, agency_id, state, category, status, withdraw_reason, demo,
                    (published_at AT TIME ZONE 'Asia/Shanghai')::date AS pday, date_trunc('month', withdrawn_at AT TIME ZONE 'Asia/Shanghai')::date AS wmonth, count(*) AS n, max(published_at) AS last
                FROM (%s) r GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
            t AS (
                INSERT INTO permit_tallies
                SELECT date_trunc('month', decision_date)::date, agency_id, state::text, category,
                    CASE WHEN status = 'published' THEN 'published' ELSE withdraw_reason::text END, demo, sum(sign * n)
                FROM g GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(sign * n) <> 0)
            %s$q$, src, gongshi_tally_common(kind));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION gongshi_fold_tallies() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    -- One folder at a time; a reader that finds another folding goes on.
    IF NOT pg_try_advisory_xact_lock(7263540121) THEN
        RETURN false;
    END IF;
    WITH d AS (DELETE FROM penalty_tallies RETURNING *)
    INSERT INTO penalty_tallies
    SELECT month, agency_id, stage, categories, state, large, demo,
        sum(records), sum(fines_fen), sum(confiscated_fen), sum(fined)
    FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(records) <> 0 OR sum(fines_fen) <> 0 OR sum(confiscated_fen) <> 0 OR sum(fined) <> 0;
    WITH d AS (DELETE FROM permit_tallies RETURNING *)
    INSERT INTO permit_tallies
    SELECT month, agency_id, permit_state, category, state, demo, sum(records)
    FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(records) <> 0;
    WITH d AS (DELETE FROM publication_tallies RETURNING *)
    INSERT INTO publication_tallies
    SELECT entity, month, agency_id, state, lag, counted, sum(records), max(last_published)
    FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(records) <> 0;
    WITH d AS (DELETE FROM withdrawal_tallies RETURNING *)
    INSERT INTO withdrawal_tallies
    SELECT entity, month, reason, sum(records) FROM d GROUP BY 1, 2, 3 HAVING sum(records) <> 0;
    RETURN true;
END
$$;
-- +goose StatementEnd

-- The triggers fire also while a bulk load copies with
-- session_replication_role = replica (ENABLE ALWAYS).
CREATE TRIGGER penalties_tally_insert AFTER INSERT ON penalties
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
CREATE TRIGGER penalties_tally_update AFTER UPDATE ON penalties
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
CREATE TRIGGER penalties_tally_delete AFTER DELETE ON penalties
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
CREATE TRIGGER penalties_tally_truncate AFTER TRUNCATE ON penalties
    FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
CREATE TRIGGER permits_tally_insert AFTER INSERT ON permits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
CREATE TRIGGER permits_tally_update AFTER UPDATE ON permits
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
CREATE TRIGGER permits_tally_delete AFTER DELETE ON permits
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
CREATE TRIGGER permits_tally_truncate AFTER TRUNCATE ON permits
    FOR EACH STATEMENT EXECUTE FUNCTION gongshi_tally();
ALTER TABLE penalties ENABLE ALWAYS TRIGGER penalties_tally_insert;
ALTER TABLE penalties ENABLE ALWAYS TRIGGER penalties_tally_update;
ALTER TABLE penalties ENABLE ALWAYS TRIGGER penalties_tally_delete;
ALTER TABLE penalties ENABLE ALWAYS TRIGGER penalties_tally_truncate;
ALTER TABLE permits ENABLE ALWAYS TRIGGER permits_tally_insert;
ALTER TABLE permits ENABLE ALWAYS TRIGGER permits_tally_update;
ALTER TABLE permits ENABLE ALWAYS TRIGGER permits_tally_delete;
ALTER TABLE permits ENABLE ALWAYS TRIGGER permits_tally_truncate;

-- The records present before this migration.
INSERT INTO penalty_tallies
SELECT date_trunc('month', decision_date)::date, agency_id, coalesce(stage::text, ''), categories,
    CASE WHEN status = 'published' THEN 'published' ELSE withdraw_reason::text END,
    fine_yuan >= gongshi_large_fine_yuan(), demo,
    count(*), sum(fine_yuan * 100)::bigint, sum(confiscated_yuan * 100)::bigint, count(*) FILTER (WHERE fine_yuan > 0)
FROM penalties GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO permit_tallies
SELECT date_trunc('month', decision_date)::date, agency_id, state::text, category,
    CASE WHEN status = 'published' THEN 'published' ELSE withdraw_reason::text END, demo, count(*)
FROM permits GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO withdrawal_tallies
SELECT 'penalty', date_trunc('month', withdrawn_at AT TIME ZONE 'Asia/Shanghai')::date, withdraw_reason::text, count(*)
FROM penalties WHERE status = 'withdrawn' GROUP BY 1, 2, 3
UNION ALL
SELECT 'permit', date_trunc('month', withdrawn_at AT TIME ZONE 'Asia/Shanghai')::date, withdraw_reason::text, count(*)
FROM permits WHERE status = 'withdrawn' GROUP BY 1, 2, 3;
-- publication_tallies fills when the application first writes its
-- calendar (store.syncCalendar).

-- +goose Down
DROP TRIGGER permits_tally_truncate ON permits;
DROP TRIGGER permits_tally_delete ON permits;
DROP TRIGGER permits_tally_update ON permits;
DROP TRIGGER permits_tally_insert ON permits;
DROP TRIGGER penalties_tally_truncate ON penalties;
DROP TRIGGER penalties_tally_delete ON penalties;
DROP TRIGGER penalties_tally_update ON penalties;
DROP TRIGGER penalties_tally_insert ON penalties;
DROP FUNCTION gongshi_fold_tallies();
DROP FUNCTION gongshi_tally();
DROP FUNCTION gongshi_tally_common(text);
DROP FUNCTION gongshi_large_fine_yuan();
DROP TABLE withdrawal_tallies;
DROP TABLE publication_tallies;
DROP TABLE workday_calendar_version;
DROP TABLE workday_calendar;
DROP TABLE permit_tallies;
DROP TABLE penalty_tallies;
