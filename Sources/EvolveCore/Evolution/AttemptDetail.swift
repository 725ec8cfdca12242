import Foundation

/// The one line an attempt that failed leaves for the next prompt: the compiler's first errors
/// (`kernel.swift:14:5: error: …`), the identifier the source policy refused and its rule, or the run's own
/// error line, after the evaluator's headline. A model that reads "compile failed (exit code 1)" cannot
/// fix anything; one that reads the error can.
///
/// ```swift
/// AttemptDetail.failure(["build": "compile failed (exit code 1)\n…\n│ kernel.swift:14:5: error: cannot find 'hiden' in scope"])
/// // "build: compile failed (exit code 1) — kernel.swift:14:5: error: cannot find 'hiden' in scope"
/// ```
///
/// The artifacts quote the candidate's own output, so the line is data: the prompt defuses it and
/// shows it as the attempt's detail, never as instructions.
package enum AttemptDetail {
    /// The longest detail kept: about three compiler errors.
    package static let maxCharacters = 400
    /// Compiler errors and refusals quoted.
    static let maxErrors = 3

    /// The detail of a failed evaluation from its artifacts.
    package static func failure(_ artifacts: [String: String]) -> String {
        guard let (key, text) = mostTelling(artifacts) else { return "no details" }
        let lines = text.split(whereSeparator: \.isNewline).map { unquoted(String($0)) }
        let headline = lines.first { !$0.isEmpty } ?? ""
        var evidence = lines.filter(isDiagnostic).prefix(maxErrors).map(withoutDirectory)
        if evidence.isEmpty, let runError = lines.dropFirst().last(where: isRunError) { evidence = [runError] }
        let detail = evidence.isEmpty ? headline : headline + " — " + evidence.joined(separator: "; ")
        return capped("\(key): \(detail)")
    }

    /// The build's headline and its diagnostics for a compile-repair round: up to `limit` compiler errors
    /// or policy refusals, file-relative; when the build printed none (a time or memory limit, a refused
    /// file), its other lines instead, so the model still reads what stopped the build.
    package static func buildErrors(_ artifacts: [String: String], limit: Int = 8) -> (headline: String, errors: [String]) {
        let text = artifacts["build"] ?? mostTelling(artifacts)?.text ?? ""
        let lines = text.split(whereSeparator: \.isNewline).map { unquoted(String($0)) }.filter { !$0.isEmpty }
        let headline = lines.first ?? "the build failed"
        let diagnostics = lines.filter(isDiagnostic).prefix(limit).map(withoutDirectory)
        let errors = diagnostics.isEmpty ? Array(lines.dropFirst().prefix(limit)) : Array(diagnostics)
        return (headline, errors.map { $0.count > 300 ? String($0.prefix(299)) + "…" : $0 })
    }

    /// The build's artifact first, then a stage's failure, then anything but evolve's own notes (the
    /// compute check that did not run, integrity flags), which say nothing about the candidate's mistake.
    static func mostTelling(_ artifacts: [String: String]) -> (key: String, text: String)? {
        let sorted = artifacts.sorted { $0.key < $1.key }
        func rank(_ key: String) -> Int {
            if key == "build" { return 0 }
            if key.hasSuffix(": stage 1") { return 1 }
            if key == "compute check" || key.hasPrefix(EvaluationReport.flagArtifactPrefix) { return 3 }
            return 2
        }
        return sorted.min { rank($0.key) < rank($1.key) }.map { ($0.key, $0.value) }
    }

    /// A line without the prefix that marks candidate output inside an artifact, trimmed.
    static func unquoted(_ line: String) -> String {
        var text = Substring(line.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("│") { text = text.dropFirst() }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// `file:line[:column]: error: message` from the compiler, or `file:line:column: refused [rule]: message`
    /// from the source policy.
    static func isDiagnostic(_ line: String) -> Bool {
        line.range(of: #"^[^\s:]+:\d+(:\d+)?: (error|refused \[[^\]]+\]): "#, options: .regularExpression) != nil
    }

    /// A diagnostic with its file named as the program names it (`kernel.swift`), not by the build's work
    /// directory, which changes with every evaluation.
    static func withoutDirectory(_ line: String) -> String {
        line.replacingOccurrences(of: #"^[^\s:]*/"#, with: "", options: .regularExpression)
    }

    /// A line the run printed about its own failure: the driver's `error: …`, Swift's `Fatal error: …`.
    static func isRunError(_ line: String) -> Bool {
        let lower = line.lowercased()
        return lower.contains("error:") || lower.contains("fatal") || lower.contains("precondition failed")
    }

    static func capped(_ text: String) -> String {
        text.count > maxCharacters ? String(text.prefix(maxCharacters - 1)) + "…" : text
    }
}
