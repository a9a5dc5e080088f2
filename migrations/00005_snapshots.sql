-- +goose Up
-- Daily immutable snapshots of the open datasets. The files live on disk
-- (PORTAL_SNAPSHOT_DIR); this is their manifest: one row per dataset and
-- day, one row per file with its size and SHA-256. A snapshot is recorded
-- only after all its files are complete, and never changes afterwards.
CREATE TABLE dataset_snapshots (
    dataset        text NOT NULL CHECK (dataset ~ '^[a-z][a-z-]*$'),
    day            date NOT NULL,
    schema_version text NOT NULL CHECK (schema_version <> ''),
    row_count      bigint NOT NULL CHECK (row_count >= 0),
    change_seq     bigint NOT NULL CHECK (change_seq >= 0), -- newest change-log entry the rows reflect
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

-- +goose Down
DROP TABLE dataset_snapshot_files;
DROP TABLE dataset_snapshots;
