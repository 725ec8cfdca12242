import EvolveCore
import Foundation

/// A program's stored integrity findings summarised for `inspect best` and the report, so both say the
/// same thing about the best and neither prints "flags: none" over a flag.
enum IntegritySummary {
    /// The compute and training-curve findings stored with a program's evaluations, one line per check (the
    /// permutation control has its own verdict and is left out).
    static func lines(of id: String, store: ProgramStore) -> [String] {
        let findings = ((try? store.records.integrityFlags(programID: id)) ?? []).filter { $0.check != "permutation" }
        let byCheck = Dictionary(grouping: findings, by: \.check)
        return byCheck.keys.sorted().map { check in
            let list = byCheck[check] ?? []
            let first = list.first.map { $0.evidence.split(whereSeparator: \.isNewline).first.map(String.init) ?? "" } ?? ""
            return "\(check): \(list.count) finding\(list.count == 1 ? "" : "s"), e.g. \(first.prefix(160))"
        }
    }
}
