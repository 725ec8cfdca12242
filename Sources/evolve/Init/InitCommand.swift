import ArgumentParser
import Foundation

/// `evolve init [DIR]`: a new seed directory (the TRM kernel, its brief, a commented evolve.yaml) to edit and
/// then evolve with `evolve run --seed DIR`. Works from an installed binary: the files are embedded in it.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a seed directory: the TRM kernel, its research brief and an evolve.yaml with every key commented.",
        discussion: "Then: `evolve eval DIR` scores the seed once; `evolve run --seed DIR` evolves it.")

    @Argument(help: "The directory to create (it must not exist or be empty; default: the current directory).")
    var directory: String = "."

    @OptionGroup var output: OutputOptions

    func run() throws {
        try UserMistakes.reported {
            let root = URL(fileURLWithPath: directory).standardizedFileURL
            try Self.checkEmpty(root, as: directory)
            let files = SeedTemplate.files
            do {
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                for (path, text) in files.sorted(by: { $0.key < $1.key }) {
                    try Data(text.utf8).write(to: root.appendingPathComponent(path), options: .withoutOverwriting)
                }
            } catch {
                throw CommandError("cannot write the seed into '\(directory)' (\(error.localizedDescription)); pick a directory you can write to")
            }
            if output.json {
                struct Output: Encodable { let directory: String; let files: [String] }
                try OutputOptions.printJSON(Output(directory: root.path, files: files.keys.sorted()))
                return
            }
            print("created \(root.path): \(files.keys.sorted().joined(separator: ", "))")
            print("next: evolve eval \(directory)   (scores the seed once, ~1.5 min)")
            print("      evolve run --seed \(directory)")
        }
    }

    /// A directory that does not exist or holds nothing (hidden files count: a `.git` is somebody's work).
    static func checkEmpty(_ root: URL, as given: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw CommandError("'\(given)' is a file; give a new or empty directory, e.g. evolve init my-seed")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard entries.isEmpty else {
            throw CommandError("directory '\(given)' is not empty (\(entries.count) entries); give a new or empty directory, e.g. evolve init my-seed")
        }
    }
}
