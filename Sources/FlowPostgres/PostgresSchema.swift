import FlowLog
import FlowStore

/// The PostgreSQL schema: the same tables as the SQLite store's, with dictionary rows found by a hash of their key
/// (`md5(key)`, a unique index every writer's `INSERT … ON CONFLICT` meets) and `flow` range-partitioned by day of
/// `start_time` (retention drops whole partitions).
///
/// Distributed PostgreSQL (Citus): `flow`, `conn_hour` and `conn_domains` distribute by `conn_id`; the dictionaries
/// (`host`, `label_set`, `endpoint`, `service`, `string_list`, `policy_trace`, `conn`) are reference tables; every
/// query joins lines to connections on `conn_id`.
enum PostgresSchema {
    /// 2: `store_version`, the data version of this database alone. 3: `flow_conn_id` (`conn_id, id`) in place of
    /// `flow_conn` (`conn_id`): a connection's lines in id order, for limited reads by connection; and `flow_time`,
    /// a BRIN index of the lines' times (the newest lines found without sorting all). 4: `hour_bounds`, the
    /// roll-up's first and last hours (a newest-first read found them by scanning all of `conn_hour`: 35 ms of every
    /// such query with 130,631 rows; an index on `conn_hour (hour)` would add an entry to most roll-up updates).
    static let version = 4

    static let ddl = """
        CREATE TABLE IF NOT EXISTS flowq_schema (version integer NOT NULL);
        -- An address as inet, IPv4 in its IPv6-mapped form (so that both spellings Felix writes compare equal); NULL
        -- for text that is no address. Its exception handler is a subtransaction: not allowed in parallel workers.
        CREATE OR REPLACE FUNCTION flowq_ip_key(t text) RETURNS inet LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS $$
        DECLARE a inet;
        BEGIN
            a := t::inet;
            IF family(a) = 4 THEN RETURN ('::ffff:' || host(a))::inet; END IF;
            RETURN a;
        EXCEPTION WHEN others THEN RETURN NULL;
        END $$;
        CREATE TABLE IF NOT EXISTS host (id bigserial PRIMARY KEY, name text NOT NULL, key text NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS host_key ON host (md5(key));
        CREATE TABLE IF NOT EXISTS label_set (id bigserial PRIMARY KEY, labels jsonb NOT NULL, key text NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS label_set_key ON label_set (md5(key));
        CREATE TABLE IF NOT EXISTS endpoint (
            id bigserial PRIMARY KEY, type text, namespace text, name_aggr text, labels_id bigint, key text NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS endpoint_key ON endpoint (md5(key));
        CREATE TABLE IF NOT EXISTS service (
            id bigserial PRIMARY KEY, namespace text, name text, port_name text, port_num bigint, key text NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS service_key ON service (md5(key));
        CREATE TABLE IF NOT EXISTS string_list (id bigserial PRIMARY KEY, items jsonb NOT NULL, key text NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS string_list_key ON string_list (md5(key));
        CREATE TABLE IF NOT EXISTS policy_trace (
            id bigserial PRIMARY KEY, policies jsonb NOT NULL, all_view jsonb NOT NULL, key text NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS policy_trace_key ON policy_trace (md5(key));
        CREATE TABLE IF NOT EXISTS conn (
            id bigserial PRIMARY KEY, host_id bigint, src_ep bigint, dst_ep bigint, dest_port bigint, proto text,
            service_id bigint, action text, reporter text, trace_id bigint, key text NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS conn_key ON conn (md5(key));
        CREATE TABLE IF NOT EXISTS conn_hour (
            conn_id bigint NOT NULL, hour bigint NOT NULL, src_net_ip text NOT NULL, dst_net_ip text NOT NULL,
            loopback integer NOT NULL, lines bigint NOT NULL, flows bigint NOT NULL, bytes bigint NOT NULL,
            packets bigint NOT NULL, first bigint, last bigint, src_ip_min text, src_ip_max text, dst_ip_min text,
            dst_ip_max text, PRIMARY KEY (conn_id, hour, src_net_ip, dst_net_ip, loopback));
        CREATE TABLE IF NOT EXISTS conn_domains (conn_id bigint NOT NULL, domains_id bigint NOT NULL, PRIMARY KEY (conn_id, domains_id));
        -- Each writer's session takes ids a thousand at a time: one sequence update per thousand lines, not per line.
        CREATE SEQUENCE IF NOT EXISTS flow_id CACHE 1000;
        CREATE TABLE IF NOT EXISTS flow (
            id bigint NOT NULL DEFAULT nextval('flow_id'), start_time bigint, end_time bigint, conn_id bigint NOT NULL,
            source_ip text, source_name text, source_port bigint, dest_ip text, dest_name text, domains_id bigint,
            nat_outgoing_ports jsonb, process_name text, process_id text, process_args_id bigint, original_source_ips jsonb,
            \(countersDDL), cluster text, extra text
        ) PARTITION BY RANGE (start_time);
        CREATE TABLE IF NOT EXISTS flow_undated PARTITION OF flow DEFAULT;
        CREATE INDEX IF NOT EXISTS flow_conn_id ON flow (conn_id, id);
        DROP INDEX IF EXISTS flow_conn;
        -- Block ranges' bounds of the times, kept as lines arrive (about a time order): a few kB per million lines.
        CREATE INDEX IF NOT EXISTS flow_time ON flow USING brin (start_time, end_time) WITH (autosummarize = on);
        CREATE INDEX IF NOT EXISTS flow_id_index ON flow (id);
        CREATE TABLE IF NOT EXISTS source_file (
            node text NOT NULL, fingerprint text NOT NULL, path text NOT NULL, host text, device bigint, inode bigint,
            "offset" bigint NOT NULL, lines bigint NOT NULL, complete boolean NOT NULL, updated_at bigint NOT NULL,
            PRIMARY KEY (node, fingerprint));
        CREATE TABLE IF NOT EXISTS reject_count (
            node text NOT NULL, fingerprint text NOT NULL, code text NOT NULL, count bigint NOT NULL,
            PRIMARY KEY (node, fingerprint, code));
        CREATE TABLE IF NOT EXISTS reject (
            id bigserial PRIMARY KEY, node text NOT NULL, fingerprint text NOT NULL, path text NOT NULL, line bigint NOT NULL,
            "offset" bigint NOT NULL, code text NOT NULL, reason text NOT NULL, raw bytea, raw_length bigint NOT NULL,
            at bigint NOT NULL);
        -- The data version (``PostgresStore/dataVersion()``): every transaction that changes lines bumps the row of
        -- its writer's slot (its backend pid mod 256, so concurrent writers seldom wait on one row); the sum of the
        -- rows grows by one with each commit, in this database only.
        CREATE TABLE IF NOT EXISTS store_version (slot integer PRIMARY KEY, v bigint NOT NULL);
        -- The first and last hours of the roll-up, by writer slot as above: each batch widens its slot's row,
        -- retention narrows every row. Filled from `conn_hour` when a database of schema 3 or before is upgraded.
        CREATE TABLE IF NOT EXISTS hour_bounds (slot integer PRIMARY KEY, first bigint NOT NULL, last bigint NOT NULL);
        INSERT INTO hour_bounds (slot, first, last) SELECT 0, min(hour), max(hour) FROM conn_hour HAVING count(*) > 0
        ON CONFLICT (slot) DO NOTHING;
        """

    /// Widens the hour bounds by a batch's first (`$1`) and last (`$2`) hours; run in the batch's transaction.
    static let widenHours = """
        INSERT INTO hour_bounds (slot, first, last) VALUES (pg_backend_pid() % 256, $1, $2)
        ON CONFLICT (slot) DO UPDATE SET first = least(hour_bounds.first, excluded.first), last = greatest(hour_bounds.last, excluded.last)
        """

    /// Narrows the hour bounds to what retention left in `conn_hour`; run in the deleting transaction.
    static let narrowHours = "UPDATE hour_bounds SET first = greatest(first, (SELECT min(hour) FROM conn_hour))"

    /// Bumps the data version; run inside every transaction that changes what a query can answer.
    static let bumpVersion = """
        INSERT INTO store_version (slot, v) VALUES (pg_backend_pid() % 256, 1)
        ON CONFLICT (slot) DO UPDATE SET v = store_version.v + 1
        """

    static var countersDDL: String { FlowLayout.counters.map { "\($0.column) bigint" }.joined(separator: ", ") }

    /// The day partition of `flow` holding lines that start on `day` (days since the epoch).
    static func partitionDDL(day: Int64) -> String {
        "CREATE TABLE IF NOT EXISTS flow_d\(day) PARTITION OF flow FOR VALUES FROM (\(day * 86_400)) TO (\((day + 1) * 86_400))"
    }
}
