import Foundation

/// Removes secrets from text the client prints, logs, throws or records: the literal values it sends
/// (the API key, secret-looking extra headers) and anything shaped like a bearer token or an API-key
/// header, since a server may echo the key in an error body.
///
/// ```swift
/// let redact = Redactor(secrets: [key])
/// logger.warning("\(redact(body))")
/// ```
package struct Redactor: Sendable {
    package static let mask = "[redacted]"
    /// Literal values, longest first so a secret containing another is removed whole. Values shorter than
    /// 4 characters are not treated as secrets: replacing them would shred ordinary text.
    private let secrets: [String]

    package init(secrets: [String]) {
        var literals = Set<String>()
        for secret in secrets where secret.count >= 4 {
            literals.insert(secret)
            literals.insert(secret.replacingOccurrences(of: "/", with: "\\/"))  // as JSON may escape it
        }
        self.secrets = literals.sorted { $0.count > $1.count }
    }

    package func callAsFunction(_ text: String) -> String {
        var result = text
        for secret in secrets { result = result.replacingOccurrences(of: secret, with: Self.mask) }
        for (pattern, template) in Self.patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
            result = regex.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: template)
        }
        return result
    }

    /// `Bearer <token>` and `x-api-key: <value>` / `"api_key": "<value>"` / `api-key=<value>`.
    private static let patterns = [
        (#"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{4,}"#, "$1\(mask)"),
        (#"(?i)(\b(?:x-)?api[-_]?key["']?\s*[:=]\s*["']?)[A-Za-z0-9._~+/=-]{4,}"#, "$1\(mask)"),
    ]
}
