-- +goose Up
-- Indexes for the public read path: published records by date and agency.
CREATE INDEX penalties_public ON penalties (decision_date DESC, id DESC) WHERE status = 'published';
CREATE INDEX penalties_agency ON penalties (agency_id, decision_date);
CREATE INDEX permits_public ON permits (decision_date DESC, id DESC) WHERE status = 'published';
CREATE INDEX permits_agency ON permits (agency_id, decision_date);
CREATE INDEX agencies_district ON agencies (district_code);

-- +goose Down
DROP INDEX agencies_district;
DROP INDEX permits_agency;
DROP INDEX permits_public;
DROP INDEX penalties_agency;
DROP INDEX penalties_public;
