-- Orleans cluster membership in PostgreSQL, for Microsoft.Orleans.Clustering.AdoNet 10.4.2 with Npgsql
-- (worker --postgres, cifar10 --orleans-postgres; docs/distributed.md). Run once per database: psql -f membership.sql.
--
-- The Orleans NuGet package does not carry its SQL scripts, so this file is written for this project from the contract
-- the provider reads (Orleans' ADO.NET docs and its membership protocol): a table OrleansQuery holding the text of the
-- nine queries the clustering provider looks up by key; queries take the provider's parameter names (@DeploymentId,
-- @Address, @Port, @Generation, ...) and return the column names it reads. Table versions are integers: a write that
-- changes the membership table succeeds only if the caller read the current version, and bumps it (optimistic
-- concurrency; the provider retries after re-reading). Writes return one integer, > 0 meaning success.
--
-- Each version-checked write starts with LockMembershipVersion, so two silos writing at once are serialized on the
-- version row: the second sees the bumped version, changes nothing and reports 0.

CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- One row per cluster (Orleans' ClusterId is the DeploymentId): the version of its membership table.
CREATE TABLE OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL PRIMARY KEY,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0
);

-- One row per silo incarnation (address, port and generation: a restarted silo is a new row).
CREATE TABLE OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

-- The cluster's version row, locked until the transaction ends, if its version still is the one expected; else nothing.
CREATE FUNCTION LockMembershipVersion(deployment text, expected integer) RETURNS SETOF varchar LANGUAGE sql AS $$
    SELECT DeploymentId FROM OrleansMembershipVersionTable WHERE DeploymentId = deployment AND Version = expected FOR UPDATE
$$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- A cluster's version row, created by the first silo; 1 when created, 0 when it existed.
('InsertMembershipVersionKey', '
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1)
SELECT count(*)::integer FROM created;'),

-- A silo joins: its row is added and the version bumped, only if @Version is still current and the row is new.
('InsertMembershipKey', '
WITH current_version AS (SELECT locked AS DeploymentId FROM LockMembershipVersion(@DeploymentId, @Version) AS locked),
added AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM current_version
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING
    RETURNING DeploymentId),
bumped AS (
    UPDATE OrleansMembershipVersionTable v SET Version = v.Version + 1, Timestamp = now()
    FROM added WHERE v.DeploymentId = added.DeploymentId
    RETURNING 1)
SELECT count(*)::integer FROM bumped;'),

-- A silo's status or suspicions change: the row is updated and the version bumped, only if @Version is still current.
('UpdateMembershipKey', '
WITH current_version AS (SELECT locked AS DeploymentId FROM LockMembershipVersion(@DeploymentId, @Version) AS locked),
changed AS (
    UPDATE OrleansMembershipTable m
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    FROM current_version c
    WHERE m.DeploymentId = c.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    RETURNING m.DeploymentId),
bumped AS (
    UPDATE OrleansMembershipVersionTable v SET Version = v.Version + 1, Timestamp = now()
    FROM (SELECT DISTINCT DeploymentId FROM changed) c WHERE v.DeploymentId = c.DeploymentId
    RETURNING 1)
SELECT count(*)::integer FROM bumped;'),

-- The silo's heartbeat: not versioned (Orleans does not check its outcome).
('UpdateIAmAlivetimeKey', '
UPDATE OrleansMembershipTable SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;'),

-- One silo's row with the table version (the version alone when the silo has no row).
('MembershipReadRowKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;'),

-- Every silo's row with the table version.
('MembershipReadAllKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;'),

-- The gateways clients may connect to: silos in status @Status (active) that have a gateway port.
('GatewaysQueryKey', '
SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;'),

-- A whole cluster's membership removed (tests, redeployments).
('DeleteMembershipTableEntriesKey', '
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;'),

-- Rows of silos silent since @IAmAliveTime that are not active (3) removed.
('CleanupDefunctSiloEntriesKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3;');
