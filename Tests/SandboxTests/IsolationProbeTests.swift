import Foundation
import Testing
@testable import Sandbox

@Suite struct IsolationProbeTests {
    @Test func probeAgreesWithTheToolsItFound() {
        let caps = IsolationCapabilities.probe()
        // A network namespace implies a user namespace here (unshare -rn creates both).
        if caps.networkNamespaces { #expect(caps.userNamespaces) }
        if let abi = caps.landlockABI { #expect(abi >= 1) }
        if caps.bubblewrap != nil { #expect(ExecutableLookup.find("bwrap") != nil) }
        // Probing twice gives the same answer: the checks have no side effects.
        #expect(IsolationCapabilities.probe() == caps)
    }

    @Test func lookupSearchesOnlyTheGivenPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-path-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tool = folder.appendingPathComponent("my-tool")
        try Data("#!/bin/sh\n".utf8).write(to: tool)
        #expect(ExecutableLookup.find("my-tool", path: folder.path) == nil)  // not executable yet
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        #expect(ExecutableLookup.find("my-tool", path: "/nonexistent:\(folder.path)") == tool.path)
        #expect(ExecutableLookup.find("sh", path: folder.path) == nil)
    }
}
