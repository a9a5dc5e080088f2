-- +goose Up
-- Lists at the cost of one page: every sort key of the public lists has
-- an index over the published records (decision_date has had one since
-- 00003), so a page, however deep, walks an index from its cursor. Filters
-- ride along the walk, or use penalties_agency and the credit-code
-- indexes when they are narrower. updated_at serves updated_since, which
-- lists withdrawn records too, so it covers every row.
--
-- Each index costs every write and one pass over the table per bulk load:
-- these are the fewest that serve every documented filter and order.
CREATE INDEX penalties_public_published_at ON penalties (published_at, id) WHERE status = 'published';
CREATE INDEX penalties_public_fine ON penalties (fine_yuan, id) WHERE status = 'published';
CREATE INDEX penalties_updated_at ON penalties (updated_at, id);
CREATE INDEX permits_public_published_at ON permits (published_at, id) WHERE status = 'published';
CREATE INDEX permits_public_valid_to ON permits (valid_to, id) WHERE status = 'published';
CREATE INDEX permits_updated_at ON permits (updated_at, id);
-- Filters on a value that few records have (a rare 处罚类别, a permit
-- category or party kind that a bureau seldom uses) would otherwise walk
-- the whole sort index to fill a page: these let the planner fetch the
-- few matches and sort them.
CREATE INDEX penalties_public_categories ON penalties USING gin (categories) WHERE status = 'published';
CREATE INDEX penalties_public_stage ON penalties (stage) WHERE status = 'published';
CREATE INDEX permits_public_category ON permits (category, party_kind) WHERE status = 'published';
CREATE INDEX permits_public_party_kind ON permits (party_kind) WHERE status = 'published';

-- +goose Down
DROP INDEX permits_public_party_kind;
DROP INDEX permits_public_category;
DROP INDEX penalties_public_stage;
DROP INDEX penalties_public_categories;
DROP INDEX permits_updated_at;
DROP INDEX permits_public_valid_to;
DROP INDEX permits_public_published_at;
DROP INDEX penalties_updated_at;
DROP INDEX penalties_public_fine;
DROP INDEX penalties_public_published_at;
