-- Resource policies, one row per (account, region, name) (rule A-1).
-- name is compared and ordered in byte order (rule L-2), whatever the database's collation.
-- document is bytea so that it comes back byte for byte as the client sent it (rule P-7),
-- whatever the database's encoding.
-- last_updated keeps microseconds, the precision of timestamptz.
CREATE TABLE xraylocal_resource_policies (
    account      text COLLATE "C" NOT NULL,
    region       text COLLATE "C" NOT NULL,
    name         text COLLATE "C" NOT NULL,
    document     bytea NOT NULL,
    revision     bigint NOT NULL CHECK (revision >= 1),
    last_updated timestamptz NOT NULL,
    PRIMARY KEY (account, region, name)
);
