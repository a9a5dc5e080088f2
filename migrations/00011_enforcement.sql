-- +goose Up
-- The administrative-enforcement disclosure system (行政执法公示制度):
-- enforcement bodies and officers (执法主体、执法人员), the random-inspection
-- list (随机抽查事项清单), inspection tasks and results (双随机、一公开),
-- annual enforcement plans (年度执法计划) and criminal referrals (两法衔接).
--
-- Officers' personal data other than their name (ID number, phone, photo)
-- has no column anywhere: it cannot be stored, so it cannot be published.
-- Every length limit here is also checked, with the same bound, by the
-- domain validation, so a client gets a 4xx naming the field first.

-- Every public write appends to the change log, so caches and the feed
-- follow these records like penalties. The values are added, not created
-- with the type, because the type already exists.
ALTER TYPE change_entity ADD VALUE IF NOT EXISTS 'enforcement_body';
ALTER TYPE change_entity ADD VALUE IF NOT EXISTS 'enforcement_officer';
ALTER TYPE change_entity ADD VALUE IF NOT EXISTS 'inspection_list_version';
ALTER TYPE change_entity ADD VALUE IF NOT EXISTS 'inspection_task';
ALTER TYPE change_entity ADD VALUE IF NOT EXISTS 'inspection_result';
ALTER TYPE change_entity ADD VALUE IF NOT EXISTS 'enforcement_plan';
ALTER TYPE change_entity ADD VALUE IF NOT EXISTS 'criminal_referral';

CREATE TYPE body_status AS ENUM ('有效', '撤销');
CREATE TYPE officer_status AS ENUM ('有效', '暂停', '注销');
CREATE TYPE inspection_outcome AS ENUM ('未发现问题', '发现问题已责令整改', '立案查处');

-- The industries (行业领域) inspections and plan targets are counted by.
-- +goose StatementBegin
CREATE FUNCTION gongshi_enterprise_category(c text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT $1 IN ('危险化学品', '烟花爆竹', '非煤矿山', '冶金', '有色', '建材', '机械', '轻工',
                        '纺织', '烟草', '商贸', '其他') $$;
-- +goose StatementEnd

-- Versions of the three enforcement registers. The random-inspection list
-- is published whole, like the power list: each version holds a full copy
-- of its items. Bodies and officers change record by record: each write
-- that changes any is one numbered version whose changes hold the new
-- content of every record it added or changed, so the history of a record
-- is its changes in version order.
CREATE TYPE enforcement_register AS ENUM ('bodies', 'officers', 'inspection-items');

CREATE TABLE enforcement_versions (
    id             bigserial PRIMARY KEY,
    register       enforcement_register NOT NULL,
    number         integer NOT NULL CHECK (number >= 1),
    effective_date date NOT NULL,
    note           text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    item_count     integer NOT NULL CHECK (item_count >= 0), -- records in the register after this version
    demo           boolean NOT NULL DEFAULT false,
    published_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (register, number)
);

CREATE TABLE enforcement_changes (
    version_id bigint NOT NULL REFERENCES enforcement_versions (id) ON DELETE CASCADE,
    key        text COLLATE "C" NOT NULL CHECK (key <> ''), -- credit code, certificate number or item code
    name       text NOT NULL,
    change     list_change NOT NULL,
    fields     text[] NOT NULL DEFAULT '{}',                -- the fields that differ from the previous version
    content    jsonb,                                       -- the record as of this version; NULL when removed
    PRIMARY KEY (version_id, key),
    CHECK ((change = 'removed') = (content IS NULL))
);
CREATE INDEX enforcement_changes_key ON enforcement_changes (key, version_id);

-- 执法主体: who may enforce, on what legal authority.
CREATE TABLE enforcement_bodies (
    id              bigserial PRIMARY KEY,
    credit_code     uscc COLLATE "C" NOT NULL UNIQUE,
    name            text NOT NULL CHECK (name <> '' AND length(name) <= 100),
    legal_basis     text NOT NULL CHECK (legal_basis <> '' AND length(legal_basis) <= 4000),
    district_code   text NOT NULL REFERENCES districts (code),
    entrusted       boolean NOT NULL,
    entrusting_body text NOT NULL DEFAULT '' CHECK (length(entrusting_body) <= 100),
    entrusting_code text COLLATE "C" NOT NULL DEFAULT '' CHECK (entrusting_code = '' OR entrusting_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    status          body_status NOT NULL DEFAULT '有效',
    remarks         text NOT NULL DEFAULT '' CHECK (length(remarks) <= 1000),
    demo            boolean NOT NULL DEFAULT false,
    record_hash     bytea NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (entrusted = (entrusting_body <> '')),
    CHECK (entrusted OR entrusting_code = '')
);
CREATE INDEX enforcement_bodies_district ON enforcement_bodies (district_code);

-- 执法人员: name, certificate and body only.
CREATE TABLE enforcement_officers (
    id                bigserial PRIMARY KEY,
    certificate_no    text COLLATE "C" NOT NULL UNIQUE CHECK (length(certificate_no) BETWEEN 4 AND 32 AND certificate_no !~ '\s'),
    name              text NOT NULL CHECK (name <> '' AND length(name) <= 50),
    issuing_authority text NOT NULL CHECK (issuing_authority <> '' AND length(issuing_authority) <= 100),
    body_id           bigint NOT NULL REFERENCES enforcement_bodies (id),
    status            officer_status NOT NULL,
    valid_until       date NOT NULL,
    demo              boolean NOT NULL DEFAULT false,
    record_hash       bytea NOT NULL,
    published_at      timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enforcement_officers_body ON enforcement_officers (body_id, name, id);

-- 随机抽查事项清单: the items of every version.
CREATE TABLE inspection_items (
    id           bigserial PRIMARY KEY,
    version_id   bigint NOT NULL REFERENCES enforcement_versions (id) ON DELETE CASCADE,
    code         text COLLATE "C" NOT NULL CHECK (code ~ '^[0-9A-Z][0-9A-Z-]*$' AND length(code) <= 50),
    name         text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    category     text NOT NULL CHECK (category IN ('重点检查事项', '一般检查事项')),
    scope        text NOT NULL CHECK (scope <> '' AND length(scope) <= 2000),
    method       text NOT NULL CHECK (method <> '' AND length(method) <= 200),
    body         text NOT NULL CHECK (body <> '' AND length(body) <= 200),
    basis        text NOT NULL CHECK (basis <> '' AND length(basis) <= 4000),
    frequency    text NOT NULL CHECK (frequency <> '' AND length(frequency) <= 200),
    remarks      text NOT NULL DEFAULT '' CHECK (length(remarks) <= 1000),
    content_hash bytea NOT NULL,
    UNIQUE (version_id, code)
);

-- 年度执法计划: one per year and body, with its targets by industry.
CREATE TABLE enforcement_plans (
    id           bigserial PRIMARY KEY,
    year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    body_id      bigint NOT NULL REFERENCES enforcement_bodies (id),
    name         text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    approved_on  date NOT NULL,
    remarks      text NOT NULL DEFAULT '' CHECK (length(remarks) <= 1000),
    demo         boolean NOT NULL DEFAULT false,
    record_hash  bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, body_id)
);

CREATE TABLE enforcement_plan_targets (
    plan_id     bigint NOT NULL REFERENCES enforcement_plans (id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),
    category    text NOT NULL CHECK (gongshi_enterprise_category(category)),
    enterprises integer NOT NULL CHECK (enterprises BETWEEN 1 AND 1000000),
    PRIMARY KEY (plan_id, category),
    UNIQUE (plan_id, position)
);

-- 抽查任务: a random inspection campaign and its reproducible draw.
CREATE TABLE inspection_tasks (
    id             bigserial PRIMARY KEY,
    body_id        bigint NOT NULL REFERENCES enforcement_bodies (id),
    code           text COLLATE "C" NOT NULL CHECK (code <> '' AND length(code) <= 100),
    name           text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    plan_year      integer CHECK (plan_year BETWEEN 2000 AND 2100),
    item_codes     text[] NOT NULL CHECK (cardinality(item_codes) BETWEEN 1 AND 100 AND array_position(item_codes, NULL) IS NULL),
    start_date     date NOT NULL,
    end_date       date NOT NULL CHECK (end_date >= start_date),
    candidates     integer NOT NULL CHECK (candidates BETWEEN 1 AND 1000000),
    drawn          integer NOT NULL CHECK (drawn BETWEEN 1 AND 100000 AND drawn <= candidates),
    inspector_pool integer NOT NULL DEFAULT 0 CHECK (inspector_pool BETWEEN 0 AND 100000),
    inspectors     integer NOT NULL DEFAULT 0 CHECK (inspectors >= 0 AND inspectors <= inspector_pool),
    seed           text NOT NULL CHECK (seed <> '' AND length(seed) <= 128),
    algorithm      text NOT NULL CHECK (algorithm IN ('fisher-yates-sha256-v1')),
    drawn_on       date NOT NULL,
    remarks        text NOT NULL DEFAULT '' CHECK (length(remarks) <= 1000),
    demo           boolean NOT NULL DEFAULT false,
    record_hash    bytea NOT NULL,
    published_at   timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (body_id, code),
    CHECK ((inspector_pool = 0) = (inspectors = 0))
);
CREATE INDEX inspection_tasks_dates ON inspection_tasks (start_date DESC, id DESC);

-- 检查结果: one inspection of one party. The party block is the one of
-- penalties (JC_ codes), masked the same way in every public output.
CREATE TABLE inspection_results (
    id                  bigserial PRIMARY KEY,
    body_id             bigint NOT NULL REFERENCES enforcement_bodies (id),
    record_no           text COLLATE "C" NOT NULL CHECK (record_no <> '' AND length(record_no) <= 100),
    task_id             bigint REFERENCES inspection_tasks (id),
    kind                text NOT NULL CHECK (kind IN ('双随机抽查', '重点检查', '专项检查', '举报核查', '其他检查')),
    party_name          text NOT NULL CHECK (party_name <> '' AND length(party_name) <= 200),
    party_kind          party_kind NOT NULL,
    credit_code         text COLLATE "C" NOT NULL DEFAULT '' CHECK (credit_code = '' OR credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$' OR credit_code = '00000000000000000X'),
    business_reg_no     text NOT NULL DEFAULT '' CHECK (length(business_reg_no) <= 50),
    org_code            text NOT NULL DEFAULT '' CHECK (length(org_code) <= 9),
    tax_reg_no          text NOT NULL DEFAULT '' CHECK (length(tax_reg_no) <= 50),
    institution_no      text NOT NULL DEFAULT '' CHECK (length(institution_no) <= 50),
    social_org_no       text NOT NULL DEFAULT '' CHECK (length(social_org_no) <= 50),
    legal_rep           text NOT NULL DEFAULT '' CHECK (length(legal_rep) <= 100),
    legal_rep_id_type   text NOT NULL DEFAULT '' CHECK (length(legal_rep_id_type) <= 50),
    legal_rep_id_no     text NOT NULL DEFAULT '' CHECK (length(legal_rep_id_no) <= 50),
    id_type             text NOT NULL DEFAULT '' CHECK (length(id_type) <= 50),
    id_no               text NOT NULL DEFAULT '' CHECK (length(id_no) <= 50),
    category            text NOT NULL CHECK (gongshi_enterprise_category(category)),
    inspection_date     date NOT NULL,
    outcome             inspection_outcome NOT NULL,
    hazards             integer NOT NULL DEFAULT 0 CHECK (hazards BETWEEN 0 AND 10000),
    penalty_agency_code text COLLATE "C" NOT NULL DEFAULT '',
    penalty_decision_no text COLLATE "C" NOT NULL DEFAULT '' CHECK (length(penalty_decision_no) <= 100),
    summary             text NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
    demo                boolean NOT NULL DEFAULT false,
    status              record_status NOT NULL DEFAULT 'published',
    withdraw_reason     withdraw_reason,
    withdraw_note       text NOT NULL DEFAULT '' CHECK (length(withdraw_note) <= 500),
    withdrawn_at        timestamptz,
    record_hash         bytea NOT NULL,
    published_at        timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (body_id, record_no),
    CHECK ((status = 'withdrawn') = (withdraw_reason IS NOT NULL AND withdrawn_at IS NOT NULL)),
    CHECK ((kind = '双随机抽查') = (task_id IS NOT NULL)),
    CHECK (party_kind <> '自然人' OR id_no <> ''),
    CHECK (party_kind = '自然人' OR credit_code <> ''),
    CHECK (credit_code <> '00000000000000000X' OR (party_kind = '个体工商户' AND business_reg_no <> '')),
    CHECK (outcome <> '未发现问题' OR hazards = 0),
    CHECK (penalty_decision_no = '' OR outcome = '立案查处'),
    CHECK ((penalty_decision_no = '') = (penalty_agency_code = ''))
);
CREATE INDEX inspection_results_public ON inspection_results (inspection_date DESC, id DESC) WHERE status = 'published';
CREATE INDEX inspection_results_body ON inspection_results (body_id, inspection_date);
CREATE INDEX inspection_results_credit_code ON inspection_results (credit_code) WHERE credit_code <> '';
CREATE INDEX inspection_results_task ON inspection_results (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX inspection_results_penalty ON inspection_results (penalty_agency_code, penalty_decision_no)
    WHERE penalty_decision_no <> '';

-- 两法衔接: cases transferred to public security, as counts only.
CREATE TABLE criminal_referrals (
    id           bigserial PRIMARY KEY,
    body_id      bigint NOT NULL REFERENCES enforcement_bodies (id),
    year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    quarter      integer NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    stage        case_stage NOT NULL,
    cases        integer NOT NULL CHECK (cases BETWEEN 0 AND 100000),
    persons      integer NOT NULL CHECK (persons BETWEEN 0 AND 1000000),
    demo         boolean NOT NULL DEFAULT false,
    record_hash  bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (body_id, year, quarter, stage)
);
CREATE INDEX criminal_referrals_period ON criminal_referrals (year, quarter);

-- +goose Down
DROP TABLE criminal_referrals;
DROP TABLE inspection_results;
DROP TABLE inspection_tasks;
DROP TABLE enforcement_plan_targets;
DROP TABLE enforcement_plans;
DROP TABLE inspection_items;
DROP TABLE enforcement_officers;
DROP TABLE enforcement_bodies;
DROP TABLE enforcement_changes;
DROP TABLE enforcement_versions;
DROP TYPE enforcement_register;
DROP FUNCTION gongshi_enterprise_category(text);
DROP TYPE inspection_outcome;
DROP TYPE officer_status;
DROP TYPE body_status;
-- PostgreSQL cannot drop an enum value: the type is rebuilt with every
-- value it has except those added above, and the entries that used them
-- go with them.
DELETE FROM changes WHERE entity::text IN ('enforcement_body', 'enforcement_officer', 'inspection_list_version',
    'inspection_task', 'inspection_result', 'enforcement_plan', 'criminal_referral');
-- +goose StatementBegin
DO $$
DECLARE
    kept text;
BEGIN
    SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder) INTO kept
    FROM pg_enum WHERE enumtypid = 'change_entity'::regtype
        AND enumlabel NOT IN ('enforcement_body', 'enforcement_officer', 'inspection_list_version',
            'inspection_task', 'inspection_result', 'enforcement_plan', 'criminal_referral');
    ALTER TYPE change_entity RENAME TO change_entity_old;
    EXECUTE 'CREATE TYPE change_entity AS ENUM (' || kept || ')';
    ALTER TABLE changes ALTER COLUMN entity TYPE change_entity USING entity::text::change_entity;
    DROP TYPE change_entity_old;
END
$$;
-- +goose StatementEnd
