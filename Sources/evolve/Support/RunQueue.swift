import EvolveCore
import EvolveQueue
import Foundation
import Sandbox

/// The run's side of the PostgreSQL queue: when `--queue` or `evaluator.queue` names one, the loop's
/// evaluator is a `QueueEvaluator` (workers evaluate) holding the run's coordinator lock; otherwise the
/// local evaluator as before.
enum RunQueue {
    /// The layers a worker's sandbox must have had: the strong ones the coordinator's own machine gives
    /// (what `evolve doctor` reports), not the fallbacks a better-isolated worker does not need.
    static func requiredLayers() -> [String] {
        let strong: Set<IsolationLayer> = [
            .processGroup, .resourceLimits, .cleanEnvironment, .dedicatedUser, .cgroup, .pidNamespace, .networkNamespace,
            .readOnlyFilesystem,
        ]
        return Sandbox.layers(capabilities: .probe()).filter(strong.contains).map(\.rawValue)
    }

    /// The run's name on the queue: its name and start time, so two runs of one name (on two machines, or
    /// one deleted and started again) never share jobs.
    static func queueName(_ manifest: RunManifest) -> String {
        "\(manifest.name)@\(Int(manifest.created.timeIntervalSince1970))"
    }

    static func evaluator(
        _ manifest: RunManifest, settings: RunSettings, run: RunDirectory, local: any Evaluator, say: @escaping @Sendable (String) -> Void
    ) throws -> any Evaluator {
        let text: String, source: String
        if let queue = manifest.overrides.queue {
            (text, source) = (queue, "--queue")
        } else if let queue = settings.evaluatorQueue {
            (text, source) = (queue, "\(manifest.configFile ?? "evolve.yaml") evaluator.queue")
        } else {
            return local
        }
        do {
            let address = try QueueAddress(resolving: text, source: source)
            let required = requiredLayers()
            let evaluator = try QueueEvaluator(
                address: address, run: queueName(manifest), configText: manifest.configText, configFile: manifest.configFile,
                requiredLayers: required, judge: local, dataHashes: manifest.data?.mapValues(\.contentHash) ?? [:], say: say)
            say("evaluations go to the queue at \(address.display) (start workers with `evolve worker --queue …`); a worker's sandbox must have \(required.joined(separator: ", "))")
            return evaluator
        } catch let mistake as UserMistake {
            throw mistake
        } catch let error as CustomStringConvertible & Error {
            // The queue cannot be reached or another coordinator holds the run: the user's to fix, one line.
            throw CommandError(error.description)
        }
    }
}
