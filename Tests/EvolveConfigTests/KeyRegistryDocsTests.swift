import EvolveConfig
import Foundation
import Testing

/// docs/configuration.md and the registry name the same keys: a key added to one and not the other fails
/// here, so the page stays the list of what the reader accepts.
@Suite struct KeyRegistryDocsTests {
    static let page: String = {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: repo.appendingPathComponent("docs/configuration.md"), encoding: .utf8)) ?? ""
    }()

    /// The keys in the first column of the page's tables (`prompt.token_budget` counts as `token_budget`).
    static var documented: Set<String> {
        var keys = Set<String>()
        for line in page.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            for part in cell.split(separator: ",") {
                let name = part.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                keys.insert(String(name.split(separator: ".").last ?? ""))
            }
        }
        return keys
    }

    /// Keys with a table row: every key but the sections (headings of their own), the list entries' keys
    /// (written as `{name, min, max, bins, scale}` and `{name, weight}`) and OpenEvolve's ignored keys.
    static var tabled: Set<String> {
        Set(KeyRegistry.all.filter { key in
            key.kind != .section && key.kind != .ignored && key.name != "benchmarks" && key.place != .featureDimension && key.place != .model
        }.map(\.name))
    }

    @Test func everyDocumentedKeyIsInTheRegistryAndEveryKeyIsDocumented() {
        #expect(!Self.page.isEmpty, "docs/configuration.md not found")
        #expect(Self.documented.subtracting(Self.tabled).sorted() == [], "documented but not read")
        #expect(Self.tabled.subtracting(Self.documented).sorted() == [], "read but not documented")
    }

    @Test func everyIgnoredKeyIsListedAsIgnoredAndEveryEntryKeyIsNamed() {
        let ignored = Self.page.components(separatedBy: "**Accepted and ignored**").last?.components(separatedBy: "**Refused").first ?? ""
        for key in KeyRegistry.all where key.kind == .ignored {
            #expect(ignored.contains("`\(key.name)`") || ignored.contains("`\(key.name):`"), "\(key.path) is accepted and ignored but the docs do not say so")
        }
        #expect(Self.page.contains("`{name, min, max, bins, scale}`") && Self.page.contains("`{name, weight}`"))
    }

    /// Every key has a kind its reader honours, a doc line and a default; numbers have bounds to check.
    @Test func everyKeyIsComplete() {
        for key in KeyRegistry.all {
            #expect(!key.doc.isEmpty, "\(key.path) has no doc line")
            if key.place != .benchmark, key.kind == .whole || key.kind == .number {
                #expect(key.bounds != nil, "\(key.path) has no bounds")
            }
        }
        let paths = KeyRegistry.all.map { "\($0.place.rawValue)/\($0.name)" }
        #expect(Set(paths).count == paths.count, "a key is registered twice")
    }
}
