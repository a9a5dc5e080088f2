-- +goose Up
-- Snapshots that are re-issued when records in them stop being public,
-- with files in object storage under content-addressed keys.
--
-- A dataset's snapshot of a day is a sequence of versions: version 1 is
-- the one taken that day; each later one is the previous one re-issued
-- without the rows that stopped being public (withdrawn, or past their
-- publicity period). Exactly one version of a day is current; the others
-- stay as the auditable history of what was published when, and why it
-- was replaced. A day can also be withdrawn whole, leaving no current
-- version.
CREATE TYPE snapshot_state AS ENUM ('current', 'superseded', 'withdrawn');

CREATE TABLE snapshot_versions (
    id             bigserial PRIMARY KEY,
    dataset        text NOT NULL CHECK (dataset ~ '^[a-z][a-z-]*$'),
    day            date NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    state          snapshot_state NOT NULL DEFAULT 'current',
    schema_version text NOT NULL CHECK (schema_version <> ''),
    row_count      bigint NOT NULL CHECK (row_count >= 0),
    -- newest change-log entry of the dataset's entity the day's rows reflect
    change_seq     bigint NOT NULL CHECK (change_seq >= 0),
    -- every withdrawal in the change log up to this entry is applied: a
    -- later withdrawal of a record in the snapshot keeps it from being
    -- served until a version with a later as_of replaces it
    as_of          bigint NOT NULL CHECK (as_of >= change_seq),
    -- the highest record id that existed when the day was taken: a record
    -- with a higher id cannot be in the snapshot
    max_record_id  bigint NOT NULL DEFAULT 0 CHECK (max_record_id >= 0),
    -- the last day on which every row is within its publicity period;
    -- NULL when no row has one
    public_until   date,
    taken_at       timestamptz NOT NULL,                  -- when version 1 was taken
    issued_at      timestamptz NOT NULL DEFAULT now(),    -- when this version was
    ended_at       timestamptz,                           -- superseded or withdrawn at
    end_reason     text NOT NULL DEFAULT '',
    superseded_by  bigint REFERENCES snapshot_versions (id) ON DELETE SET NULL,
    UNIQUE (dataset, day, version),
    CHECK ((state = 'current') = (ended_at IS NULL))
);
CREATE UNIQUE INDEX snapshot_versions_current ON snapshot_versions (dataset, day) WHERE state = 'current';

CREATE TABLE snapshot_files (
    version_id  bigint NOT NULL REFERENCES snapshot_versions (id) ON DELETE CASCADE,
    -- 'rows' is the private copy of the rows a re-issue reads back
    format      text NOT NULL CHECK (format IN ('csv', 'ndjson', 'json', 'xlsx', 'rows')),
    name        text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9.-]*$'),  -- download file name
    key         text NOT NULL CHECK (key <> ''),                       -- object key in the storage
    bytes       bigint NOT NULL CHECK (bytes >= 0),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    verified_at timestamptz,             -- its stored content last read back and matched
    damaged_at  timestamptz,             -- found missing, or different from this row
    damage      text NOT NULL DEFAULT '',
    -- the object was deleted from the storage (its version ended)
    removed_at  timestamptz,
    PRIMARY KEY (version_id, format)
);
CREATE INDEX snapshot_files_damaged ON snapshot_files (version_id) WHERE damaged_at IS NOT NULL;

-- The namespace that starts every object key of this database's
-- snapshots, so that deployments on different databases sharing a
-- directory or bucket never meet. Filled on first use.
CREATE TABLE snapshot_namespace (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    namespace text NOT NULL CHECK (namespace ~ '^[0-9a-f]{32}$')
);

-- Snapshots taken before: their files stay where they are, under
-- dataset/day/name in the snapshot directory. Which records they hold is
-- not known here, so the bounds are the safe ones: any record that exists
-- may be in one, and a penalty snapshot is public only until the earliest
-- end of publicity, from its day on, of any penalty.
INSERT INTO snapshot_versions (dataset, day, version, schema_version, row_count, change_seq, as_of, max_record_id,
    public_until, taken_at, issued_at)
SELECT s.dataset, s.day, 1, s.schema_version, s.row_count, s.change_seq, s.change_seq,
    CASE s.dataset WHEN 'penalties' THEN (SELECT coalesce(max(id), 0) FROM penalties)
                   WHEN 'permits' THEN (SELECT coalesce(max(id), 0) FROM permits) ELSE 0 END,
    CASE s.dataset WHEN 'penalties' THEN (SELECT min(p.publicity_until) FROM penalties p WHERE p.publicity_until >= s.day) END,
    s.taken_at, s.taken_at
FROM dataset_snapshots s;
INSERT INTO snapshot_files (version_id, format, name, key, bytes, sha256)
SELECT v.id, f.format, f.name, f.dataset || '/' || to_char(f.day, 'YYYY-MM-DD') || '/' || f.name, f.bytes, f.sha256
FROM dataset_snapshot_files f JOIN snapshot_versions v ON v.dataset = f.dataset AND v.day = f.day;

DROP TABLE dataset_snapshot_files;
DROP TABLE dataset_snapshots;

-- +goose Down
CREATE TABLE dataset_snapshots (
    dataset        text NOT NULL CHECK (dataset ~ '^[a-z][a-z-]*$'),
    day            date NOT NULL,
    schema_version text NOT NULL CHECK (schema_version <> ''),
    row_count      bigint NOT NULL CHECK (row_count >= 0),
    change_seq     bigint NOT NULL CHECK (change_seq >= 0),
    taken_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, day)
);
CREATE TABLE dataset_snapshot_files (
    dataset text NOT NULL,
    day     date NOT NULL,
    format  text NOT NULL CHECK (format IN ('csv', 'ndjson', 'json', 'xlsx')),
    name    text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9.-]*$'),
    bytes   bigint NOT NULL CHECK (bytes >= 0),
    sha256  text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (dataset, day, format),
    FOREIGN KEY (dataset, day) REFERENCES dataset_snapshots (dataset, day) ON DELETE CASCADE
);
-- Only snapshots whose files are where the old layout expects them
-- (version 1, not re-issued) can be carried back.
INSERT INTO dataset_snapshots (dataset, day, schema_version, row_count, change_seq, taken_at)
SELECT dataset, day, schema_version, row_count, change_seq, taken_at
FROM snapshot_versions WHERE state = 'current' AND version = 1;
INSERT INTO dataset_snapshot_files (dataset, day, format, name, bytes, sha256)
SELECT v.dataset, v.day, f.format, f.name, f.bytes, f.sha256
FROM snapshot_files f JOIN snapshot_versions v ON v.id = f.version_id
WHERE v.state = 'current' AND v.version = 1 AND f.format <> 'rows'
    AND f.key = v.dataset || '/' || to_char(v.day, 'YYYY-MM-DD') || '/' || f.name;
DELETE FROM dataset_snapshots s WHERE NOT EXISTS (
    SELECT FROM dataset_snapshot_files f WHERE f.dataset = s.dataset AND f.day = s.day);
DROP TABLE snapshot_namespace;
DROP TABLE snapshot_files;
DROP TABLE snapshot_versions;
DROP TYPE snapshot_state;
