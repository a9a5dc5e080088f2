-- +goose Up
-- Every read of records by decision date is a read of published records,
-- which penalties_public and permits_public (decision_date DESC, id DESC
-- WHERE status = 'published') serve; the plain decision-date indexes only
-- cost every write and every bulk load.
DROP INDEX penalties_decision_date;
DROP INDEX permits_decision_date;

-- +goose Down
CREATE INDEX permits_decision_date ON permits (decision_date);
CREATE INDEX penalties_decision_date ON penalties (decision_date);
