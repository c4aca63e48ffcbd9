-- flowq SQLite schema, version 6: what the migrations "v1" to "v6" in Sources/FlowSQLite/Schema/Schema*.swift make;
-- a test checks that this file and the migrated schema are the same.

-- Dictionaries: flow metadata is repetitive, so repeated values are stored once and referenced by id.
CREATE TABLE host (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE label_set (
    id INTEGER PRIMARY KEY,
    labels TEXT NOT NULL UNIQUE -- JSON array of "key=value"
);
CREATE TABLE endpoint (
    id INTEGER PRIMARY KEY,
    type TEXT,
    namespace TEXT,
    name_aggr TEXT,
    labels_id INTEGER REFERENCES label_set(id) -- NULL: labels not logged
);
CREATE INDEX endpoint_namespace ON endpoint(namespace);
CREATE INDEX endpoint_name_aggr ON endpoint(name_aggr);
CREATE TABLE service (
    id INTEGER PRIMARY KEY,
    namespace TEXT,
    name TEXT,
    port_name TEXT,
    port_num INTEGER
);
CREATE TABLE string_list (
    id INTEGER PRIMARY KEY,
    items TEXT NOT NULL UNIQUE -- JSON array
);
CREATE TABLE policy_trace (
    id INTEGER PRIMARY KEY,
    policies TEXT NOT NULL UNIQUE, -- the policies object as JSON, lists in the order all, enforced, pending, transit
    all_view TEXT NOT NULL -- JSON array: what the query field policies.all_policies holds (see PolicyLists.allView)
);
CREATE TABLE policy_hit (
    trace_id INTEGER NOT NULL REFERENCES policy_trace(id),
    list TEXT NOT NULL, -- all_policies | enforced_policies | pending_policies | transit_policies
    position INTEGER NOT NULL, -- position in the list as logged
    raw TEXT NOT NULL,
    idx INTEGER, -- NULL when the hit is malformed
    tier TEXT,
    kind TEXT, -- gnp np knp sgnp snp sknp kanp kbanp kcnp pro eot
    namespace TEXT,
    name TEXT,
    action TEXT,
    rule_index INTEGER, -- NULL in the v0 format
    staged INTEGER,
    end_of_tier INTEGER,
    format TEXT, -- v0 v1 v2
    error TEXT, -- why the hit could not be parsed
    PRIMARY KEY (trace_id, list, position)
) WITHOUT ROWID;

-- Connections: what the lines of one node say about one source, destination, port and policy trace.
-- A few thousand rows where there are millions of lines; queries on these fields search here first.
CREATE TABLE conn (
    id INTEGER PRIMARY KEY,
    host_id INTEGER REFERENCES host(id),
    src_ep INTEGER REFERENCES endpoint(id),
    dst_ep INTEGER REFERENCES endpoint(id),
    dest_port INTEGER,
    proto TEXT,
    service_id INTEGER REFERENCES service(id),
    action TEXT,
    reporter TEXT,
    trace_id INTEGER REFERENCES policy_trace(id) -- NULL: policies null or absent
);
CREATE INDEX conn_src ON conn(src_ep);
CREATE INDEX conn_dst ON conn(dst_ep, dest_port);
CREATE INDEX conn_trace ON conn(trace_id, action);
CREATE INDEX conn_host ON conn(host_id);

-- One row per flow-log line.
CREATE TABLE flow (
    id INTEGER PRIMARY KEY,
    start_time INTEGER,
    end_time INTEGER,
    conn_id INTEGER NOT NULL REFERENCES conn(id),
    source_ip TEXT,
    source_name TEXT,
    source_port INTEGER,
    dest_ip TEXT,
    dest_name TEXT,
    domains_id INTEGER REFERENCES string_list(id),
    nat_outgoing_ports TEXT, -- JSON array
    process_name TEXT,
    process_id TEXT,
    process_args_id INTEGER REFERENCES string_list(id),
    original_source_ips TEXT, -- JSON array
    bytes_in INTEGER,
    bytes_out INTEGER,
    num_flows INTEGER,
    num_flows_started INTEGER,
    num_flows_completed INTEGER,
    packets_in INTEGER,
    packets_out INTEGER,
    transit_bytes_in INTEGER,
    transit_bytes_out INTEGER,
    transit_packets_in INTEGER,
    transit_packets_out INTEGER,
    http_requests_allowed_in INTEGER,
    http_requests_denied_in INTEGER,
    num_process_names INTEGER,
    num_process_ids INTEGER,
    num_process_args INTEGER,
    num_original_source_ips INTEGER,
    tcp_mean_send_congestion_window INTEGER,
    tcp_min_send_congestion_window INTEGER,
    tcp_mean_smooth_rtt INTEGER,
    tcp_max_smooth_rtt INTEGER,
    tcp_mean_min_rtt INTEGER,
    tcp_max_min_rtt INTEGER,
    tcp_mean_mss INTEGER,
    tcp_min_mss INTEGER,
    tcp_total_retransmissions INTEGER,
    tcp_lost_packets INTEGER,
    tcp_unrecovered_to INTEGER,
    timestamp_ms INTEGER,
    cluster TEXT,
    extra TEXT -- unknown keys: a JSON object of raw values
);
-- A connection's lines in id order (the first lines of a few connections are read without a sort), with their
-- start times (time histograms read the index alone).
CREATE INDEX flow_conn ON flow(conn_id, id, start_time);

-- One row per stored batch: its range of flow ids and the bounds of their times. A time condition becomes a
-- range of ids (a block-range index): cheaper to keep than an index entry for every line.
CREATE TABLE flow_span (
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    min_start INTEGER,
    max_start INTEGER,
    min_end INTEGER,
    max_end INTEGER
);

-- Hourly roll-up per connection, kept in the same transaction as the lines: the readiness report reads
-- thousands of these rows instead of millions of lines. Networks are told apart by address.
CREATE TABLE conn_hour (
    conn_id INTEGER NOT NULL REFERENCES conn(id),
    hour INTEGER NOT NULL, -- start_time / 3600
    src_net_ip TEXT NOT NULL, -- the source address when the source is a network ('' otherwise)
    dst_net_ip TEXT NOT NULL,
    loopback INTEGER NOT NULL, -- 127.0.0.0/8 or ::1 on either side
    lines INTEGER NOT NULL,
    flows INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    first INTEGER, -- min(start_time)
    last INTEGER, -- max(end_time)
    src_ip_min TEXT,
    src_ip_max TEXT,
    dst_ip_min TEXT,
    dst_ip_max TEXT,
    packets INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conn_id, hour, src_net_ip, dst_net_ip, loopback)
) WITHOUT ROWID;
CREATE TABLE conn_domains (
    conn_id INTEGER NOT NULL REFERENCES conn(id),
    domains_id INTEGER NOT NULL REFERENCES string_list(id),
    PRIMARY KEY (conn_id, domains_id)
) WITHOUT ROWID;

-- Ingest bookkeeping.
CREATE TABLE source_file (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE, -- hash and length of the first line (decompressed)
    path TEXT NOT NULL,
    host TEXT,
    device INTEGER,
    inode INTEGER,
    offset INTEGER NOT NULL DEFAULT 0, -- decompressed bytes consumed (whole lines)
    lines INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0, -- a compressed file read to its end: nothing more will come
    updated_at INTEGER NOT NULL
);
CREATE TABLE reject (
    id INTEGER PRIMARY KEY,
    file_id INTEGER REFERENCES source_file(id),
    path TEXT NOT NULL,
    line INTEGER NOT NULL, -- 1-based line number
    offset INTEGER NOT NULL, -- byte offset of the line start (decompressed)
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw BLOB, -- the line, up to 4096 bytes
    raw_length INTEGER NOT NULL,
    at INTEGER NOT NULL
);
-- Every reject counted per file and reason; `reject` keeps the first 1,000 of each (v3).
CREATE TABLE reject_count (
    file_id INTEGER NOT NULL REFERENCES source_file(id),
    code TEXT NOT NULL,
    count INTEGER NOT NULL, -- rejected lines of this reason in this file, kept in `reject` or not
    PRIMARY KEY (file_id, code)
) WITHOUT ROWID;

-- The flow-log shape, dictionaries joined back: for people using the sqlite3 shell.
CREATE VIEW flow_log AS
SELECT
    f.id,
    f.start_time,
    f.end_time,
    h.name AS host,
    f.source_ip,
    f.source_name,
    se.name_aggr AS source_name_aggr,
    se.namespace AS source_namespace,
    f.source_port,
    se.type AS source_type,
    sl.labels AS source_labels,
    f.dest_ip,
    f.dest_name,
    de.name_aggr AS dest_name_aggr,
    de.namespace AS dest_namespace,
    c.dest_port,
    de.type AS dest_type,
    dl.labels AS dest_labels,
    sv.namespace AS dest_service_namespace,
    sv.name AS dest_service_name,
    sv.port_name AS dest_service_port,
    sv.port_num AS dest_service_port_num,
    dd.items AS dest_domains,
    c.proto,
    c.action,
    c.reporter,
    pt.policies,
    f.nat_outgoing_ports,
    f.process_name,
    f.process_id,
    pa.items AS process_args,
    f.original_source_ips,
    f.bytes_in,
    f.bytes_out,
    f.num_flows,
    f.num_flows_started,
    f.num_flows_completed,
    f.packets_in,
    f.packets_out,
    f.transit_bytes_in,
    f.transit_bytes_out,
    f.transit_packets_in,
    f.transit_packets_out,
    f.http_requests_allowed_in,
    f.http_requests_denied_in,
    f.num_process_names,
    f.num_process_ids,
    f.num_process_args,
    f.num_original_source_ips,
    f.tcp_mean_send_congestion_window,
    f.tcp_min_send_congestion_window,
    f.tcp_mean_smooth_rtt,
    f.tcp_max_smooth_rtt,
    f.tcp_mean_min_rtt,
    f.tcp_max_min_rtt,
    f.tcp_mean_mss,
    f.tcp_min_mss,
    f.tcp_total_retransmissions,
    f.tcp_lost_packets,
    f.tcp_unrecovered_to,
    f.timestamp_ms,
    f.cluster,
    f.extra
FROM flow f
JOIN conn c ON c.id = f.conn_id
LEFT JOIN host h ON h.id = c.host_id
LEFT JOIN endpoint se ON se.id = c.src_ep
LEFT JOIN label_set sl ON sl.id = se.labels_id
LEFT JOIN endpoint de ON de.id = c.dst_ep
LEFT JOIN label_set dl ON dl.id = de.labels_id
LEFT JOIN service sv ON sv.id = c.service_id
LEFT JOIN string_list dd ON dd.id = f.domains_id
LEFT JOIN string_list pa ON pa.id = f.process_args_id
LEFT JOIN policy_trace pt ON pt.id = c.trace_id;
