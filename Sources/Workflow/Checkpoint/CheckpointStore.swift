import Foundation
import GRDB

/// A run as recorded in the checkpoint database.
public struct RunRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case running, succeeded, failed, waiting }
    public var id: String
    public var workflowPath: String
    public var workflowDigest: String
    public var inputsDigest: String
    public var status: Status
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?
}

/// A step as recorded: `running` found on resume means the process died inside it (its
/// outcome is unknown and must be settled by the step kind's probe).
public struct StepRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case running, succeeded, failed, skipped, waiting }
    public var path: String
    public var position: Int
    public var kind: String
    public var definitionDigest: String
    public var attempt: Int
    public var status: Status
    /// Outputs as JSON, secret values replaced by `{"$secret":true}`.
    public var outputs: Value
    /// Kind-specific resume state (a login's phone_code_hash, a 2FA change's salt before it).
    public var state: Value
    public var error: String?
    public var startedAt: Date
    public var finishedAt: Date?
}

/// An entry of a run's event log.
public struct EventRecord: Sendable, Equatable {
    public var id: Int64
    public var runID: String
    public var at: Date
    public var type: String
    public var step: String?
    public var body: String
}

/// The checkpoint database: runs, steps and events in SQLite (WAL, synchronous=FULL), so
/// a recorded intent survives a killed process and a power loss. Every text written
/// passes through the redactor first; no secret value is ever stored.
public final class CheckpointStore: @unchecked Sendable {
    private let db: DatabasePool
    public let path: String
    private let redactor: Redactor

    public init(path: String, redactor: Redactor) throws {
        self.path = path
        self.redactor = redactor
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let existed = FileManager.default.fileExists(atPath: path)
        db = try DatabasePool(path: path, configuration: config)
        if !existed { chmod(path, 0o600) }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY, workflow_path TEXT NOT NULL, workflow_digest TEXT NOT NULL,
                    inputs_digest TEXT NOT NULL, status TEXT NOT NULL, started_at REAL NOT NULL,
                    finished_at REAL, error TEXT);
                CREATE TABLE steps (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, path TEXT NOT NULL,
                    position INTEGER NOT NULL, kind TEXT NOT NULL, definition_digest TEXT NOT NULL,
                    attempt INTEGER NOT NULL, status TEXT NOT NULL, outputs TEXT NOT NULL DEFAULT '{}',
                    state TEXT NOT NULL DEFAULT '{}', error TEXT, started_at REAL NOT NULL, finished_at REAL,
                    PRIMARY KEY (run_id, path));
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, at REAL NOT NULL,
                    type TEXT NOT NULL, step TEXT, body TEXT NOT NULL);
                CREATE INDEX runs_by_workflow ON runs(workflow_path, inputs_digest, status);
                """)
        }
        try migrator.migrate(db)
    }

    private func clean(_ text: String?) -> String? { text.map(redactor.redact) }
    private func clean(_ value: Value) -> String { redactor.redact(value).json }

    // MARK: runs

    /// The newest run of this workflow file and inputs that did not succeed, if any.
    public func unfinishedRun(workflowPath: String, inputsDigest: String) throws -> RunRecord? {
        try db.read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM runs WHERE workflow_path = ? AND inputs_digest = ? AND status != 'succeeded'
                ORDER BY started_at DESC LIMIT 1
                """, arguments: [workflowPath, inputsDigest]).map(Self.run)
        }
    }

    public func createRun(workflowPath: String, workflowDigest: String, inputsDigest: String) throws -> RunRecord {
        let run = RunRecord(id: Self.newRunID(), workflowPath: workflowPath, workflowDigest: workflowDigest, inputsDigest: inputsDigest,
                            status: .running, startedAt: Date(), finishedAt: nil, error: nil)
        try db.write { db in
            try db.execute(sql: "INSERT INTO runs (id, workflow_path, workflow_digest, inputs_digest, status, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [run.id, run.workflowPath, run.workflowDigest, run.inputsDigest, run.status.rawValue, run.startedAt.timeIntervalSince1970])
        }
        return run
    }

    /// Marks a resumed run as running again and records the workflow digest it now runs with.
    public func reopenRun(_ id: String, workflowDigest: String) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE runs SET status = 'running', finished_at = NULL, error = NULL, workflow_digest = ? WHERE id = ?", arguments: [workflowDigest, id])
        }
    }

    public func finishRun(_ id: String, status: RunRecord.Status, error: String?) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                           arguments: [status.rawValue, Date().timeIntervalSince1970, clean(error), id])
        }
    }

    public func runs(limit: Int = 50) throws -> [RunRecord] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", arguments: [limit]).map(Self.run) }
    }

    /// A run by id or by a unique prefix of its id.
    public func run(_ id: String) throws -> RunRecord? {
        try db.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE id = ? OR id LIKE ? LIMIT 2", arguments: [id, id + "%"])
            return rows.count == 1 ? Self.run(rows[0]) : rows.first { ($0["id"] as String) == id }.map(Self.run)
        }
    }

    // MARK: steps

    public func steps(ofRun runID: String) throws -> [StepRecord] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM steps WHERE run_id = ? ORDER BY position, path", arguments: [runID]).map(Self.step) }
    }

    /// Records that a step is about to act. Durable (committed, fsynced) before returning.
    public func stepStarted(runID: String, path: String, position: Int, kind: String, definitionDigest: String, attempt: Int, state: Value) throws {
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO steps (run_id, path, position, kind, definition_digest, attempt, status, state, started_at)
                VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)
                ON CONFLICT(run_id, path) DO UPDATE SET attempt = excluded.attempt, status = 'running',
                    definition_digest = excluded.definition_digest, error = NULL, finished_at = NULL,
                    state = CASE WHEN excluded.state = '{}' THEN steps.state ELSE excluded.state END
                """, arguments: [runID, path, position, kind, definitionDigest, attempt, clean(state), Date().timeIntervalSince1970])
        }
    }

    /// Records what a step is about to do next inside itself (the intent), before doing it.
    public func updateStepState(runID: String, path: String, state: Value) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE steps SET state = ? WHERE run_id = ? AND path = ?", arguments: [clean(state), runID, path])
        }
    }

    /// Records a step's result. Durable before the next step starts.
    public func stepFinished(runID: String, path: String, status: StepRecord.Status, outputs: [String: Evaluated], error: String?) throws {
        var stored: [String: Value] = [:]
        for (k, v) in outputs { stored[k] = v.secret ? .object(["$secret": .bool(true)]) : v.value }
        try db.write { db in
            try db.execute(sql: "UPDATE steps SET status = ?, outputs = ?, error = ?, finished_at = ? WHERE run_id = ? AND path = ?",
                           arguments: [status.rawValue, clean(.object(stored)), clean(error), Date().timeIntervalSince1970, runID, path])
        }
    }

    /// Records a step that never started (skipped by its condition) in one write.
    public func stepSkipped(runID: String, path: String, position: Int, kind: String, definitionDigest: String) throws {
        let now = Date().timeIntervalSince1970
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO steps (run_id, path, position, kind, definition_digest, attempt, status, started_at, finished_at)
                VALUES (?, ?, ?, ?, ?, 0, 'skipped', ?, ?)
                ON CONFLICT(run_id, path) DO UPDATE SET status = 'skipped', finished_at = excluded.finished_at
                """, arguments: [runID, path, position, kind, definitionDigest, now, now])
        }
    }

    // MARK: events

    /// Appends an event; `body` is JSON whose strings the caller already redacted (it is
    /// redacted as text once more only if it would stay valid JSON).
    public func appendEvent(runID: String, type: String, step: String?, body: String) throws {
        let text = (try? Value.parseJSON(body)).map { redactor.redact($0).json } ?? redactor.redact(body)
        try db.write { db in
            try db.execute(sql: "INSERT INTO events (run_id, at, type, step, body) VALUES (?, ?, ?, ?, ?)",
                           arguments: [runID, Date().timeIntervalSince1970, type, step, text])
        }
    }

    public func events(ofRun runID: String) throws -> [EventRecord] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE run_id = ? ORDER BY id", arguments: [runID]).map {
                EventRecord(id: $0["id"], runID: $0["run_id"], at: Date(timeIntervalSince1970: $0["at"]), type: $0["type"], step: $0["step"], body: $0["body"])
            }
        }
    }

    /// The SQLite journal mode and synchronous level in force (for tests and `runs show`).
    public func pragmas() throws -> (journalMode: String, synchronous: Int) {
        try db.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "", try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
        }
    }

    // MARK: rows

    private static func run(_ row: Row) -> RunRecord {
        RunRecord(id: row["id"], workflowPath: row["workflow_path"], workflowDigest: row["workflow_digest"], inputsDigest: row["inputs_digest"],
                  status: RunRecord.Status(rawValue: row["status"]) ?? .failed, startedAt: Date(timeIntervalSince1970: row["started_at"]),
                  finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)), error: row["error"])
    }

    private static func step(_ row: Row) -> StepRecord {
        StepRecord(path: row["path"], position: row["position"], kind: row["kind"], definitionDigest: row["definition_digest"],
                   attempt: row["attempt"], status: StepRecord.Status(rawValue: row["status"]) ?? .failed,
                   outputs: (try? Value.parseJSON(row["outputs"])) ?? .object([:]), state: (try? Value.parseJSON(row["state"])) ?? .object([:]),
                   error: row["error"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
                   finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// Sortable, unique, short: time in hex and 4 random bytes.
    static func newRunID() -> String {
        let t = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 16)
        let r = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return t + r
    }
}
