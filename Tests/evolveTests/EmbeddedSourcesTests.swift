import EmbeddedSources
import Foundation
import Testing
@testable import Evaluators

/// The copy of TRMKit and of the TRM seed carried in the binary must equal the files: otherwise an installed
/// binary would train candidates against a different TRMKit than the checkout's. Fix: scripts/embed-sources.sh.
@Suite struct EmbeddedSourcesTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func files(under folder: String) throws -> [String: String] {
        let root = Self.packageRoot.appendingPathComponent(folder)
        var out: [String: String] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: root.path)
        where [".swift", ".md", ".yaml"].contains(where: path.hasSuffix) {
            out[path] = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        }
        return out
    }

    func compare(_ embedded: [(path: String, text: String)], _ folder: String) throws {
        let onDisk = try files(under: folder)
        let copy = Dictionary(uniqueKeysWithValues: embedded.map { ($0.path, $0.text) })
        #expect(Set(copy.keys) == Set(onDisk.keys), "\(folder): the embedded file list differs; run scripts/embed-sources.sh")
        for (path, text) in onDisk {
            #expect(copy[path] == text, "\(folder)/\(path) differs from its embedded copy; run scripts/embed-sources.sh")
        }
    }

    @Test func theEmbeddedTRMKitEqualsSourcesTRMKit() throws {
        try compare(EmbeddedSources.trmkit, "Sources/TRMKit")
    }

    @Test func theEmbeddedSeedEqualsProgramsTrm() throws {
        try compare(EmbeddedSources.trmSeed, "Programs/trm")
    }

    @Test func theEmbeddedHRMSeedEqualsProgramsHrm() throws {
        try compare(EmbeddedSources.hrmSeed, "Programs/hrm")
    }

    @Test func theEmbeddedTRMKitIsWrittenOnceIntoTheCache() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-embedded-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let folder = try TRMKitModule.writeEmbeddedSources(into: cache)
        #expect(try files(under: "Sources/TRMKit").allSatisfy { path, text in
            (try? String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)) == text
        })
        // A second call reuses the folder; no staging folder is left behind.
        #expect(try TRMKitModule.writeEmbeddedSources(into: cache).path == folder.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path) == [folder.lastPathComponent])
    }
}
