/// One schema step of the program database, named for what it adds. Steps run once, in order, each in
/// its own transaction; `meta.schema_version` counts the steps applied (so databases written before the
/// steps had names open unchanged).
struct StoreMigration {
    let name: String
    let sql: String

    /// Every step, oldest first. Append only: a released step never changes.
    static let all: [StoreMigration] = [
        StoreMigration(name: "initial schema", sql: """
            CREATE TABLE programs (
                id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, files TEXT NOT NULL, parents TEXT NOT NULL,
                island INTEGER NOT NULL, generation INTEGER NOT NULL, iteration INTEGER NOT NULL, status TEXT NOT NULL,
                metrics TEXT, test_metrics TEXT, score REAL, descriptors TEXT NOT NULL, commit_id TEXT,
                created REAL NOT NULL, proposal TEXT, migrated_from TEXT, cell TEXT, evicted INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX programs_hash ON programs(content_hash);
            CREATE INDEX programs_status ON programs(status);
            CREATE TABLE cells (island INTEGER NOT NULL, cell TEXT NOT NULL, program_id TEXT NOT NULL REFERENCES programs(id),
                score REAL NOT NULL, PRIMARY KEY (island, cell));
            CREATE TABLE archive (program_id TEXT PRIMARY KEY REFERENCES programs(id), score REAL NOT NULL);
            CREATE TABLE islands (island INTEGER PRIMARY KEY, generation INTEGER NOT NULL, last_improvement INTEGER NOT NULL,
                last_migration INTEGER NOT NULL, best_score REAL, best_program TEXT);
            CREATE TABLE proposals (id INTEGER PRIMARY KEY AUTOINCREMENT, program_id TEXT NOT NULL, duplicate INTEGER NOT NULL,
                model TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, cost REAL, created REAL NOT NULL);
            """),
        StoreMigration(name: "evaluations and attempts", sql: """
            CREATE TABLE evaluations (id INTEGER PRIMARY KEY AUTOINCREMENT, program_id TEXT NOT NULL REFERENCES programs(id),
                split TEXT NOT NULL, training_seed INTEGER NOT NULL, outcome TEXT NOT NULL, metrics TEXT, artifacts TEXT NOT NULL,
                build_seconds REAL NOT NULL, total_seconds REAL NOT NULL, created REAL NOT NULL);
            CREATE INDEX evaluations_program ON evaluations(program_id);
            CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, iteration INTEGER NOT NULL, parent_id TEXT NOT NULL,
                program_id TEXT, outcome TEXT NOT NULL, change TEXT NOT NULL, detail TEXT NOT NULL, score_change REAL,
                proposal TEXT, created REAL NOT NULL);
            CREATE INDEX attempts_parent ON attempts(parent_id);
            """),
        // Control runs (the permutation control) are stored beside ordinary evaluations.
        StoreMigration(name: "evaluation kinds", sql: "ALTER TABLE evaluations ADD COLUMN kind TEXT NOT NULL DEFAULT 'ordinary';"),
        // A program's score is the mean of its evaluations, with their SD and count; a race in progress; the
        // best's re-scoring with fresh seeds.
        StoreMigration(name: "racing over training seeds", sql: """
            ALTER TABLE programs ADD COLUMN score_sd REAL;
            ALTER TABLE programs ADD COLUMN score_n INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE programs ADD COLUMN race_target INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE programs ADD COLUMN assessment TEXT;
            UPDATE programs SET score_n = 1 WHERE score IS NOT NULL;
            """),
        // `setCommit` and the score updates touch a program's migrated copies on every iteration; a scan
        // made committing 100k programs quadratic.
        StoreMigration(name: "index of migrated copies", sql: "CREATE INDEX programs_migrated_from ON programs(migrated_from);"),
        // Integrity findings as rows of their own, found by program instead of by `LIKE '%"flag: %'` over
        // every evaluation's artifacts; the findings of earlier runs are copied out of their artifacts.
        StoreMigration(name: "typed integrity findings", sql: """
            CREATE TABLE findings (id INTEGER PRIMARY KEY AUTOINCREMENT, evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
                program_id TEXT NOT NULL, check_name TEXT NOT NULL, evidence TEXT NOT NULL, split TEXT NOT NULL);
            CREATE INDEX findings_program ON findings(program_id);
            INSERT INTO findings (evaluation_id, program_id, check_name, evidence, split)
                SELECT e.id, e.program_id, CASE WHEN e.kind = 'control' THEN 'permutation' ELSE substr(j.key, 7) END, j.value, e.split
                FROM evaluations e, json_each(e.artifacts) j
                WHERE json_valid(e.artifacts) AND ((e.kind = 'control' AND j.key = 'control verdict')
                    OR (e.kind != 'control' AND substr(j.key, 1, 6) = 'flag: '))
                ORDER BY e.id, j.key;
            """),
        // A program an integrity finding holds out of the bests: 'recheck' until its re-run comes back,
        // 'persisted' when that re-run was flagged too (Population/IntegrityHold.swift).
        StoreMigration(name: "integrity holds", sql: "ALTER TABLE programs ADD COLUMN hold TEXT;"),
        // The value function's stops and, in shadow mode, the stops it would have made (EarlyStopLog.swift).
        StoreMigration(name: "early stops", sql: """
            CREATE TABLE early_stops (id INTEGER PRIMARY KEY AUTOINCREMENT, program_id TEXT NOT NULL, training_seed INTEGER NOT NULL,
                mode TEXT NOT NULL, after TEXT NOT NULL, prediction REAL NOT NULL, standard_error REAL NOT NULL,
                optimistic REAL NOT NULL, bar REAL NOT NULL, samples INTEGER NOT NULL, evidence TEXT NOT NULL, created REAL NOT NULL);
            CREATE INDEX early_stops_program ON early_stops(program_id);
            """),
        // Every displacement the racing rule decided (Population/DisplacementRecord.swift), with the newest
        // evaluation id at that moment, so a run can be audited against the rule afterwards
        // (ProgramStore.displacementViolations); `cells` and `islands` keep only the present.
        StoreMigration(name: "displacement history", sql: """
            CREATE TABLE displacements (id INTEGER PRIMARY KEY AUTOINCREMENT, challenger TEXT NOT NULL, incumbent TEXT NOT NULL,
                kind TEXT NOT NULL, island INTEGER NOT NULL, evaluation_id INTEGER NOT NULL, created REAL NOT NULL);
            """),
    ]
}
