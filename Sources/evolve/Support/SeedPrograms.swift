import EvolveCore
import Foundation

/// The seed programs of a run, read from `--seed DIR`: the directory is one program when a file in it
/// holds an EVOLVE-BLOCK, else each subdirectory that does is one (`Programs/` gives the TRM and HRM seeds).
struct SeedPrograms {
    struct Seed {
        let name: String
        let directory: URL
        let program: Program
    }

    let seeds: [Seed]
    /// The `evolve.yaml` that configures the run: the directory's own, else the first seed's.
    let configFile: URL?


    static let marker = "EVOLVE-BLOCK-START"

    static func load(_ path: String) throws -> SeedPrograms {
        let root = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("seed directory '\(path)' does not exist; pass a folder of seed programs, e.g. --seed Programs/")
        }
        let config = root.appendingPathComponent(ProgramFiles.configFileName)
        let own = try ProgramFiles.read(directory: root)
        if own.contains(where: { !$0.key.contains("/") && $0.value.contains(marker) }) {
            let seed = Seed(name: root.lastPathComponent, directory: root, program: Program(files: own))
            return SeedPrograms(seeds: [seed], configFile: FileManager.default.fileExists(atPath: config.path) ? config : nil)
        }
        var seeds: [Seed] = []
        let children = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().filter { !$0.hasPrefix(".") }
        for child in children {
            let directory = root.appendingPathComponent(child)
            var childIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &childIsDirectory), childIsDirectory.boolValue else { continue }
            let files = try ProgramFiles.read(directory: directory)
            if files.values.contains(where: { $0.contains(marker) }) {
                seeds.append(Seed(name: child, directory: directory, program: Program(files: files)))
            }
        }
        guard !seeds.isEmpty else {
            let count = own.count + children.count
            throw CommandError("seed directory '\(path)' has no file with an \(marker) marker (looked at \(count) entries). Add markers around the code evolve may change; see Programs/trm/kernel.swift for an example")
        }
        let firstConfig = seeds.map { $0.directory.appendingPathComponent(ProgramFiles.configFileName) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
        return SeedPrograms(seeds: seeds, configFile: FileManager.default.fileExists(atPath: config.path) ? config : firstConfig)
    }
}
