import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
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

    @Test func doctorsLayersAreTheSandboxsLayers() {
        let caps = IsolationCapabilities.probe()
        #expect(Sandbox.layers(capabilities: caps) == Sandbox(capabilities: caps).layers(allowNetwork: false))
        #expect(Sandbox.layers(capabilities: caps, allowNetwork: true) == Sandbox(capabilities: caps).layers(allowNetwork: true))
        let bare = IsolationCapabilities(userNamespaces: false, networkNamespaces: false, bubblewrap: nil, landlockABI: nil, seccompFilters: false)
        let cgroup: [IsolationLayer] = CgroupSupport.detected != nil ? [.cgroup] : []
        let workDir: IsolationLayer = getuid() == 0 ? .workDirQuota : .workDirSampling
        #expect(Sandbox.layers(capabilities: bare, user: nil) == [.processGroup, .resourceLimits, .cleanEnvironment] + cgroup + [workDir, .orphanSweep])
    }

    @Test func missingLayersAreWarnedAboutWithARemedy() {
        let bare = IsolationCapabilities(userNamespaces: false, networkNamespaces: false, bubblewrap: nil, landlockABI: nil, seccompFilters: false)
        let warnings = Sandbox.missingLayerWarnings(capabilities: bare, bubblewrap: false, unshare: false, user: .evolveDefault)
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.contains("apt-get install -y bubblewrap") })
        #expect(warnings.contains { $0.contains("keep network access") })
        let full = Sandbox.missingLayerWarnings(capabilities: IsolationCapabilities.probe(), bubblewrap: true, unshare: true, user: .evolveDefault)
        #expect(full.isEmpty)
    }

    @Test func lookupSearchesOnlyTheGivenPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-path-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tool = folder.appendingPathComponent("my-tool")
        try Data("#!/bin/sh\n".utf8).write(to: tool)
        #expect(ExecutableLookup.find("my-tool", path: folder.path) == nil)  // not executable yet
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        #expect(ExecutableLookup.find("my-tool", path: "/nonexistent:\(folder.path)") == tool.path)
        #expect(ExecutableLookup.find("sh", path: folder.path) == nil)
    }
}
