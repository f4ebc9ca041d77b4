import GRDB

/// Telethon's version-8 session schema, its upgrades from older versions, and
/// tgflow's own tables (prefixed `tgflow_`, which Telethon never reads).
enum SessionSchema {
    static let telethonVersion = 8

    static let telethonTables = [
        "create table version (version integer primary key)",
        """
        create table sessions (dc_id integer primary key, server_address text, port integer,
            auth_key blob, takeout_id integer, tmp_auth_key blob)
        """,
        """
        create table entities (id integer primary key, hash integer not null, username text,
            phone integer, name text, date integer)
        """,
        """
        create table sent_files (md5_digest blob, file_size integer, type integer, id integer,
            hash integer, primary key(md5_digest, file_size, type))
        """,
        "create table update_state (id integer primary key, pts integer, qts integer, date integer, seq integer)",
    ]

    static let tgflowTables = [
        "create table if not exists tgflow_auth_keys (dc_id integer primary key, auth_key blob not null)",
        "create table if not exists tgflow_server_salts (dc_id integer primary key, salt integer not null)",
        """
        create table if not exists tgflow_pending_login (id integer primary key check (id = 0),
            phone text not null, phone_code_hash text not null, sent_at real not null)
        """,
        "create table if not exists tgflow_flood_waits (method text primary key, until real not null)",
        """
        create table if not exists tgflow_dcs (dc_id integer not null, host text not null, port integer not null,
            ipv6 integer not null, media integer not null, primary key (dc_id, host, port, media))
        """,
        """
        create table if not exists tgflow_holder (id integer primary key check (id = 0),
            pid integer not null, host text not null, command text not null, since real not null)
        """,
    ]

    /// Creates or upgrades the schema in one transaction. Returns the version found.
    static func prepare(_ db: Database, path: String) throws {
        let hasVersion = try Bool.fetchOne(db, sql: "select count(*) > 0 from sqlite_master where type = 'table' and name = 'version'") ?? false
        if hasVersion {
            guard let version = try Int.fetchOne(db, sql: "select version from version") else {
                throw SessionStoreError.notASession(path: path, reason: "empty version table")
            }
            if version > telethonVersion {
                throw SessionStoreError.unsupportedVersion(path: path, version: version)
            }
            if version < telethonVersion {
                try upgrade(db, from: version)
                try db.execute(sql: "delete from version")
                try db.execute(sql: "insert into version values (?)", arguments: [telethonVersion])
            }
        } else {
            let tables = try Int.fetchOne(db, sql: "select count(*) from sqlite_master where type = 'table'") ?? 0
            if tables > 0 {
                throw SessionStoreError.notASession(path: path, reason: "SQLite database without a version table")
            }
            for sql in telethonTables { try db.execute(sql: sql) }
            try db.execute(sql: "insert into version values (?)", arguments: [telethonVersion])
        }
        for sql in tgflowTables { try db.execute(sql: sql) }
    }

    /// The same steps Telethon takes from each older version.
    private static func upgrade(_ db: Database, from old: Int) throws {
        var v = old
        if v == 1 { v = 2 }
        if v == 2 {
            v = 3
            try db.execute(sql: "drop table if exists sent_files")
            try db.execute(sql: telethonTables[3])
        }
        if v == 3 { v = 4; try db.execute(sql: telethonTables[4]) }
        if v == 4 { v = 5; try db.execute(sql: "alter table sessions add column takeout_id integer") }
        if v == 5 { v = 6; try db.execute(sql: "delete from entities") }
        if v == 6 { v = 7; try db.execute(sql: "alter table entities add column date integer") }
        if v == 7 { v = 8; try db.execute(sql: "alter table sessions add column tmp_auth_key blob") }
    }
}
