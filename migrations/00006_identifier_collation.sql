-- +goose Up
-- Decision numbers and credit codes are identifiers: they are compared for
-- equality and their order carries no linguistic meaning, so they compare
-- byte by byte (COLLATE "C"). Their indexes then depend on no operating-
-- system locale, whose sort order can change with a C library upgrade and
-- silently corrupt text indexes, and they build faster: sorting by bytes
-- is cheaper than by locale rules, which counts in bulk loads.
ALTER TABLE penalties
    ALTER COLUMN decision_no TYPE text COLLATE "C",
    ALTER COLUMN credit_code TYPE text COLLATE "C";
ALTER TABLE permits
    ALTER COLUMN decision_no TYPE text COLLATE "C",
    ALTER COLUMN credit_code TYPE text COLLATE "C";

-- +goose Down
ALTER TABLE permits
    ALTER COLUMN decision_no TYPE text COLLATE "default",
    ALTER COLUMN credit_code TYPE text COLLATE "default";
ALTER TABLE penalties
    ALTER COLUMN decision_no TYPE text COLLATE "default",
    ALTER COLUMN credit_code TYPE text COLLATE "default";
