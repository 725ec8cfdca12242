import Foundation

/// Where the queue database is, without its credentials: a `postgresql://` URL or a libpq `key=value`
/// string from `evaluator.queue` or `--queue`, or `env:NAME` for a URL in the variable NAME. The password
/// comes from the environment only (`PGPASSWORD`, `~/.pgpass`, or a URL in a variable), because a URL
/// given in evolve.yaml or on the command line is copied into the run's records and shell history: one
/// carrying a password there is refused. TLS goes through libpq's own `sslmode`.
///
/// ```swift
/// let address = try QueueAddress(parsing: "postgresql://evolve@db.cluster/evolve?sslmode=require")
/// print(address.display)  // safe to log: never holds a password
/// ```
package struct QueueAddress: Sendable, Equatable {
    /// What libpq connects with (may hold a password that came from the environment).
    let conninfo: String
    /// Secrets to take out of every message: the password, wherever it came from.
    let secrets: [String]
    /// The address as shown to people and logs.
    package let display: String

    package enum Failure: Error, CustomStringConvertible, Equatable {
        case passwordInText(source: String)
        case notPostgres(source: String)
        case missingVariable(name: String, source: String)

        package var description: String {
            switch self {
            case .passwordInText(let source):
                "queue address in \(source) carries a password; remove it and give it in PGPASSWORD or ~/.pgpass (or put the whole URL in a variable and give env:NAME): \(source) is copied into the run's records"
            case .notPostgres(let source):
                "queue address in \(source) is not a PostgreSQL address; use postgresql://[user@]host[:port]/database or libpq key=value pairs"
            case .missingVariable(let name, let source):
                "queue address variable \(name) (named by env:\(name) in \(source)) is not set; export it with the queue's URL"
            }
        }
    }

    /// An address given in text a person may share (`source` names it: "--queue", "evolve.yaml
    /// evaluator.queue"): refused when it carries a password.
    package init(parsing text: String, source: String = "--queue", environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") {
            guard let components = URLComponents(string: trimmed) else { throw Failure.notPostgres(source: source) }
            if components.password != nil || components.queryItems?.contains(where: { $0.name == "password" }) == true {
                throw Failure.passwordInText(source: source)
            }
        } else if trimmed.contains("=") {
            if trimmed.split(separator: " ").contains(where: { $0.hasPrefix("password=") }) { throw Failure.passwordInText(source: source) }
        } else {
            throw Failure.notPostgres(source: source)
        }
        self.init(conninfo: trimmed, environment: environment)
    }

    /// An address as `--queue`, `evaluator.queue` or `evolve worker --queue` give it: `env:NAME` is the URL in
    /// the variable NAME (which may carry a password: it never reaches the run's records), anything else
    /// is parsed as shared text (`init(parsing:)`).
    package init(resolving text: String, source: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard text.hasPrefix("env:") else {
            try self.init(parsing: text, source: source, environment: environment)
            return
        }
        let name = String(text.dropFirst(4))
        guard let value = environment[name], !value.isEmpty else { throw Failure.missingVariable(name: name, source: source) }
        self.init(conninfo: value, environment: environment)
    }

    init(conninfo: String, environment: [String: String]) {
        self.conninfo = conninfo
        var secrets: [String] = []
        if let password = environment["PGPASSWORD"], !password.isEmpty { secrets.append(password) }
        var shown = conninfo
        if let components = URLComponents(string: conninfo), let password = components.password, !password.isEmpty {
            secrets.append(password)
            if let percent = components.percentEncodedPassword { secrets.append(percent) }
            var safe = components
            safe.password = nil
            shown = safe.string ?? "postgresql://…"
        }
        for pair in conninfo.split(separator: " ") where pair.hasPrefix("password=") {
            let value = String(pair.dropFirst("password=".count))
            if !value.isEmpty { secrets.append(value) }
            shown = shown.replacingOccurrences(of: String(pair), with: "")
        }
        self.secrets = secrets.sorted { $0.count > $1.count }
        display = shown.trimmingCharacters(in: .whitespaces)
    }

    /// `text` with every secret of this address replaced by `***`.
    package func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
