import ArgumentParser
import EvolveCore
import Foundation
import Sandbox

/// `evolve resume RUN`: continue a stopped or crashed run from its database.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run: re-queue the work that was in flight and go on with the same settings.",
        discussion: "The sampler's random stream and the proposer's state continue where they stopped.")

    @Argument(help: "The run's name (under runs/) or its directory.")
    var run: String

    @OptionGroup var stop: StopOptions

    @OptionGroup var signals: SignalOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await HeldRun.with(run) { held in
            let directory = held.directory
            // A run killed with SIGKILL (OOM killer, power cut) leaves its evaluations' tmpfs work dirs
            // mounted. Nothing of this process is mounted yet, and resuming expects the run's previous
            // process to be gone (holding its lock proves it).
            let unmounted = SandboxWorkDir.removeStaleMounts(under: directory.work)
            if !unmounted.isEmpty {
                held.say("removed \(unmounted.count) sandbox mounts a killed run left in \(directory.work.path)")
            }
            var manifest = try RunManifest.load(from: directory)
            if let iterations = stop.iterations { manifest.overrides.iterations = iterations }
            if let hours = stop.hours { manifest.overrides.hours = hours }
            try manifest.save(to: directory)
            try? FileManager.default.removeItem(at: directory.stopFile)
            let settings = try RunSetup.settings(manifest)
            // Used only if the run was stopped before its seeds were stored.
            let seeds = (try? SeedPrograms.load(manifest.seed))?.seeds.map(\.program) ?? []
            let proposer = try await RunSetup.proposer(settings, manifest: manifest, seeds: [], say: held.say)
            held.say("resuming run '\(directory.name)' in \(directory.root.path)")
            try await RunSetup.execute(
                manifest, settings: settings, brief: try RunSetup.brief(manifest, settings: settings), run: directory, proposer: proposer, seeds: seeds, printer: held.printer, json: output.json, grace: signals.grace)
        }
    }
}
