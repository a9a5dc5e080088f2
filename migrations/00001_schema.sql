-- +goose Up
-- Reference data: Suzhou's districts and the agencies that decide or report.
CREATE TABLE districts (
    code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    name text NOT NULL UNIQUE CHECK (name <> '')
);

-- A 统一社会信用代码 has 18 characters from the GB 32100 alphabet; the
-- check character itself is verified by the application.
CREATE DOMAIN uscc AS text CHECK (VALUE ~ '^[0-9A-HJ-NPQRTUWXY]{18}$');

CREATE TABLE agencies (
    id            bigserial PRIMARY KEY,
    credit_code   uscc NOT NULL UNIQUE,
    name          text NOT NULL CHECK (name <> ''),
    district_code text REFERENCES districts (code),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE party_kind AS ENUM ('法人及非法人组织', '自然人', '个体工商户');
CREATE TYPE record_status AS ENUM ('published', 'withdrawn');
CREATE TYPE withdraw_reason AS ENUM ('revoked', 'corrected', 'repaired', 'expired');
CREATE TYPE case_stage AS ENUM ('事前', '事故');
CREATE TYPE publicity_class AS ENUM ('轻微', '一般', '严重');
CREATE TYPE permit_state AS ENUM ('有效', '无效');

-- Party block shared by penalties and permits, kept as plain columns so
-- every field has its own constraint.
CREATE TABLE penalties (
    id                bigserial PRIMARY KEY,
    agency_id         bigint NOT NULL REFERENCES agencies (id),
    decision_no       text NOT NULL CHECK (decision_no <> ''),            -- CF_WSH
    party_name        text NOT NULL CHECK (party_name <> ''),             -- CF_XDR_MC
    party_kind        party_kind NOT NULL,                                -- CF_XDR_LB
    credit_code       text NOT NULL DEFAULT '',                           -- CF_XDR_SHXYM
    business_reg_no   text NOT NULL DEFAULT '',                           -- CF_XDR_GSZC
    org_code          text NOT NULL DEFAULT '',                           -- CF_XDR_ZZJG
    tax_reg_no        text NOT NULL DEFAULT '',                           -- CF_XDR_SWDJ
    institution_no    text NOT NULL DEFAULT '',                           -- CF_XDR_SYDW
    social_org_no     text NOT NULL DEFAULT '',                           -- CF_XDR_SHZZ
    legal_rep         text NOT NULL DEFAULT '',                           -- CF_FRDB
    legal_rep_id_type text NOT NULL DEFAULT '',                           -- CF_FR_ZJLX
    legal_rep_id_no   text NOT NULL DEFAULT '',                           -- CF_FR_ZJHM
    id_type           text NOT NULL DEFAULT '',                           -- CF_XDR_ZJLX
    id_no             text NOT NULL DEFAULT '',                           -- CF_XDR_ZJHM
    violation_type    text NOT NULL CHECK (violation_type <> ''),         -- CF_WFXW
    facts             text NOT NULL CHECK (facts <> ''),                  -- CF_SY
    basis             text NOT NULL CHECK (basis <> ''),                  -- CF_YJ
    categories        text[] NOT NULL CHECK (
        cardinality(categories) >= 1 AND array_position(categories, NULL) IS NULL AND
        categories <@ ARRAY['警告','通报批评','罚款','没收违法所得','没收非法财物','暂扣许可证件',
                            '降低资质等级','吊销许可证件','限制开展生产经营活动','责令停产停业',
                            '责令关闭','限制从业','行政拘留','其他']),       -- CF_CFLB
    content           text NOT NULL CHECK (content <> ''),                -- CF_NR
    fine_yuan         numeric(16, 2) NOT NULL DEFAULT 0 CHECK (fine_yuan >= 0),        -- CF_NR_FK (×10,000 yuan)
    confiscated_yuan  numeric(16, 2) NOT NULL DEFAULT 0 CHECK (confiscated_yuan >= 0), -- CF_NR_WFFF
    licence_affected  text NOT NULL DEFAULT '',                           -- CF_NR_ZKDX
    decision_date     date NOT NULL,                                      -- CF_JDRQ
    valid_until       date CHECK (valid_until >= decision_date),          -- CF_YXQ
    publicity_class   publicity_class NOT NULL,                           -- CF_GSLB
    publicity_until   date NOT NULL CHECK (publicity_until >= decision_date), -- CF_GSJZQ
    source_name       text NOT NULL CHECK (source_name <> ''),            -- CF_SJLY
    source_code       uscc NOT NULL,                                      -- CF_SJLYDM
    remarks           text NOT NULL DEFAULT '',                           -- BZ
    stage             case_stage,                                         -- CF_AJJD; NULL = not reported
    demo              boolean NOT NULL DEFAULT false,                     -- 示例数据
    status            record_status NOT NULL DEFAULT 'published',
    withdraw_reason   withdraw_reason,
    withdraw_note     text NOT NULL DEFAULT '',
    withdrawn_at      timestamptz,
    record_hash       bytea NOT NULL,
    published_at      timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency_id, decision_no),
    CHECK ((status = 'withdrawn') = (withdraw_reason IS NOT NULL AND withdrawn_at IS NOT NULL)),
    CHECK (party_kind <> '自然人' OR id_no <> ''),
    CHECK (party_kind = '自然人' OR credit_code <> ''),
    CHECK (credit_code <> '00000000000000000X' OR (party_kind = '个体工商户' AND business_reg_no <> '')),
    CHECK (NOT ('罚款' = ANY (categories)) OR fine_yuan > 0)
);
CREATE INDEX penalties_credit_code ON penalties (credit_code) WHERE credit_code <> '';
CREATE INDEX penalties_decision_date ON penalties (decision_date);
CREATE INDEX penalties_publicity_until ON penalties (publicity_until) WHERE status = 'published';

CREATE TABLE permits (
    id                bigserial PRIMARY KEY,
    agency_id         bigint NOT NULL REFERENCES agencies (id),
    document_name     text NOT NULL CHECK (document_name <> ''),          -- XK_XKWS
    decision_no       text NOT NULL CHECK (decision_no <> ''),            -- XK_WSH
    party_name        text NOT NULL CHECK (party_name <> ''),
    party_kind        party_kind NOT NULL,
    credit_code       text NOT NULL DEFAULT '',
    business_reg_no   text NOT NULL DEFAULT '',
    org_code          text NOT NULL DEFAULT '',
    tax_reg_no        text NOT NULL DEFAULT '',
    institution_no    text NOT NULL DEFAULT '',
    social_org_no     text NOT NULL DEFAULT '',
    legal_rep         text NOT NULL DEFAULT '',
    legal_rep_id_type text NOT NULL DEFAULT '',
    legal_rep_id_no   text NOT NULL DEFAULT '',
    id_type           text NOT NULL DEFAULT '',
    id_no             text NOT NULL DEFAULT '',
    category          text NOT NULL CHECK (category IN ('普通','特许','认可','核准','登记','其他')), -- XK_XKLB
    certificate_name  text NOT NULL DEFAULT '',                           -- XK_XKZS
    permit_no         text NOT NULL DEFAULT '',                           -- XK_XKBH
    content           text NOT NULL CHECK (content <> ''),                -- XK_NR
    decision_date     date NOT NULL,                                      -- XK_JDRQ
    valid_from        date NOT NULL,                                      -- XK_YXQZ
    valid_to          date NOT NULL CHECK (valid_to >= valid_from),       -- XK_YXQZI
    state             permit_state NOT NULL,                              -- XK_ZT
    source_name       text NOT NULL CHECK (source_name <> ''),            -- XK_LYDW
    source_code       uscc NOT NULL,                                      -- XK_LYDWDM
    remarks           text NOT NULL DEFAULT '',
    demo              boolean NOT NULL DEFAULT false,
    status            record_status NOT NULL DEFAULT 'published',
    withdraw_reason   withdraw_reason,
    withdraw_note     text NOT NULL DEFAULT '',
    withdrawn_at      timestamptz,
    record_hash       bytea NOT NULL,
    published_at      timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency_id, decision_no),
    CHECK ((status = 'withdrawn') = (withdraw_reason IS NOT NULL AND withdrawn_at IS NOT NULL)),
    CHECK (party_kind <> '自然人' OR id_no <> ''),
    CHECK (party_kind = '自然人' OR credit_code <> ''),
    CHECK (credit_code <> '00000000000000000X' OR (party_kind = '个体工商户' AND business_reg_no <> ''))
);
CREATE INDEX permits_credit_code ON permits (credit_code) WHERE credit_code <> '';
CREATE INDEX permits_decision_date ON permits (decision_date);

-- Lists: every adjustment is a new numbered version holding a full copy of
-- the list; list_changes is the diff against the previous version.
CREATE TYPE list_kind AS ENUM ('powers', 'responsibilities', 'public-services');
CREATE TYPE list_change AS ENUM ('added', 'changed', 'removed');

CREATE TABLE list_versions (
    id             bigserial PRIMARY KEY,
    kind           list_kind NOT NULL,
    number         integer NOT NULL CHECK (number >= 1),
    effective_date date NOT NULL,
    note           text NOT NULL DEFAULT '',
    item_count     integer NOT NULL CHECK (item_count >= 0),
    demo           boolean NOT NULL DEFAULT false,
    published_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, number)
);

CREATE TABLE list_changes (
    version_id bigint NOT NULL REFERENCES list_versions (id) ON DELETE CASCADE,
    code       text NOT NULL,
    name       text NOT NULL,
    change     list_change NOT NULL,
    PRIMARY KEY (version_id, code)
);

CREATE TYPE flow_node_kind AS ENUM ('start', 'step', 'decision', 'end');

-- Power items (权力清单) with their operation guide (运行指南).
CREATE TABLE power_items (
    id               bigserial PRIMARY KEY,
    version_id       bigint NOT NULL REFERENCES list_versions (id) ON DELETE CASCADE,
    code             text NOT NULL CHECK (code ~ '^[0-9A-Z][0-9A-Z-]*$'),
    name             text NOT NULL CHECK (name <> ''),
    category         text NOT NULL CHECK (category IN ('行政许可','行政处罚','行政强制','行政征收','行政给付',
                                                       '行政检查','行政确认','行政奖励','行政裁决','其他行政权力')),
    sub_items        text[] NOT NULL DEFAULT '{}',
    legal_basis      text NOT NULL CHECK (legal_basis <> ''),
    unit             text NOT NULL CHECK (unit <> ''),
    level            text NOT NULL DEFAULT '',
    accountability   text NOT NULL DEFAULT '',
    remarks          text NOT NULL DEFAULT '',
    guide_basis      text NOT NULL DEFAULT '',
    guide_applicant  text NOT NULL DEFAULT '',
    guide_channels   text NOT NULL DEFAULT '',
    guide_time_place text NOT NULL DEFAULT '',
    guide_conditions text NOT NULL DEFAULT '',
    guide_materials  text[] NOT NULL DEFAULT '{}',
    statutory_limit  text NOT NULL DEFAULT '',
    promised_limit   text NOT NULL DEFAULT '',
    fees             text NOT NULL DEFAULT '',
    consult_phone    text NOT NULL DEFAULT '',
    complaint_phone  text NOT NULL DEFAULT '',
    online_url       text NOT NULL DEFAULT '',
    guide_notes      text NOT NULL DEFAULT '',
    content_hash     bytea NOT NULL,
    UNIQUE (version_id, code)
);

CREATE TABLE power_duties (
    item_id  bigint NOT NULL REFERENCES power_items (id) ON DELETE CASCADE,
    position integer NOT NULL,
    stage    text NOT NULL CHECK (stage <> ''),
    content  text NOT NULL CHECK (content <> ''),
    PRIMARY KEY (item_id, position)
);

-- Flowcharts: nodes and edges of one power or service item. Edges reference
-- nodes of the same item, so a dangling edge cannot be stored.
CREATE TABLE flow_nodes (
    owner_kind list_kind NOT NULL,
    owner_id   bigint NOT NULL,
    key        text NOT NULL CHECK (key ~ '^[A-Za-z0-9_]+$'),
    position   integer NOT NULL,
    label      text NOT NULL CHECK (label <> ''),
    kind       flow_node_kind NOT NULL,
    time_limit text NOT NULL DEFAULT '',
    note       text NOT NULL DEFAULT '',
    PRIMARY KEY (owner_kind, owner_id, key)
);

CREATE TABLE flow_edges (
    owner_kind list_kind NOT NULL,
    owner_id   bigint NOT NULL,
    position   integer NOT NULL,
    from_key   text NOT NULL,
    to_key     text NOT NULL,
    label      text NOT NULL DEFAULT '',
    PRIMARY KEY (owner_kind, owner_id, position),
    FOREIGN KEY (owner_kind, owner_id, from_key) REFERENCES flow_nodes (owner_kind, owner_id, key) ON DELETE CASCADE,
    FOREIGN KEY (owner_kind, owner_id, to_key) REFERENCES flow_nodes (owner_kind, owner_id, key) ON DELETE CASCADE
);

CREATE TABLE responsibility_items (
    id             bigserial PRIMARY KEY,
    version_id     bigint NOT NULL REFERENCES list_versions (id) ON DELETE CASCADE,
    code           text NOT NULL CHECK (code <> ''),
    part           text NOT NULL CHECK (part IN ('主要职责','职责边界','事中事后监管制度','公共服务事项','责任追究机制')),
    duty           text NOT NULL CHECK (duty <> ''),
    name           text NOT NULL CHECK (name <> ''),
    detail         text NOT NULL DEFAULT '',
    accountability text NOT NULL DEFAULT '',
    basis          text NOT NULL DEFAULT '',
    content_hash   bytea NOT NULL,
    UNIQUE (version_id, code)
);

CREATE TABLE service_items (
    id              bigserial PRIMARY KEY,
    version_id      bigint NOT NULL REFERENCES list_versions (id) ON DELETE CASCADE,
    code            text NOT NULL CHECK (code <> ''),
    name            text NOT NULL CHECK (name <> ''),
    target          text NOT NULL DEFAULT '',
    basis           text NOT NULL DEFAULT '',
    unit            text NOT NULL CHECK (unit <> ''),
    conditions      text NOT NULL DEFAULT '',
    materials       text[] NOT NULL DEFAULT '{}',
    process         text NOT NULL DEFAULT '',
    time_limit      text NOT NULL DEFAULT '',
    fees            text NOT NULL DEFAULT '',
    consult_phone   text NOT NULL DEFAULT '',
    complaint_phone text NOT NULL DEFAULT '',
    content_hash    bytea NOT NULL,
    UNIQUE (version_id, code)
);

-- The change log: every write of a public record appends one entry in the
-- same transaction. Appends are serialized with an advisory transaction lock
-- so entries commit in seq order; readers may page by seq safely.
CREATE TYPE change_entity AS ENUM ('penalty', 'permit', 'list_version');
CREATE TYPE change_op AS ENUM ('upsert', 'withdraw');

CREATE TABLE changes (
    seq       bigserial PRIMARY KEY,
    entity    change_entity NOT NULL,
    entity_id bigint NOT NULL,
    op        change_op NOT NULL,
    reason    withdraw_reason,
    at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((op = 'withdraw') = (reason IS NOT NULL))
);
CREATE INDEX changes_entity ON changes (entity, seq);

-- API keys are stored as SHA-256 of the secret; the secret is shown once.
CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name <> ''),
    prefix       text NOT NULL UNIQUE,
    secret_hash  bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    scopes       text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['ingest','feed','feed:full','admin']),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- Audit log of every write: who (key or CLI actor), what, when, from where.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    key_id      bigint REFERENCES api_keys (id),
    actor       text NOT NULL CHECK (actor <> ''),
    action      text NOT NULL CHECK (action <> ''),
    entity      text NOT NULL DEFAULT '',
    entity_id   bigint,
    remote_addr text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_keys;
DROP TABLE changes;
DROP TYPE change_op;
DROP TYPE change_entity;
DROP TABLE service_items;
DROP TABLE responsibility_items;
DROP TABLE flow_edges;
DROP TABLE flow_nodes;
DROP TYPE flow_node_kind;
DROP TABLE power_duties;
DROP TABLE power_items;
DROP TABLE list_changes;
DROP TABLE list_versions;
DROP TYPE list_change;
DROP TYPE list_kind;
DROP TABLE permits;
DROP TABLE penalties;
DROP TYPE permit_state;
DROP TYPE publicity_class;
DROP TYPE case_stage;
DROP TYPE withdraw_reason;
DROP TYPE record_status;
DROP TYPE party_kind;
DROP TABLE agencies;
DROP DOMAIN uscc;
DROP TABLE districts;
