/// A two-file program with three blocks, fixed text between them, a line repeated inside a block and
/// trailing spaces on one line: the parent of the patch, answer-parser, prompt and crossover tests.
public enum PatchFixture {
    public static let kernel = """
        import Lib

        // EVOLVE-BLOCK-START hyperparameters
        enum Hyper {
            static let hidden = 64
            static let layers = 2\("   ")
        }
        // EVOLVE-BLOCK-END

        func fixed() -> Int { 1 }

        // EVOLVE-BLOCK-START step
        func step(_ x: Int) -> Int {
            var y = x
            y += 1
            y += 1
            return y + Hyper.hidden
        }
        // EVOLVE-BLOCK-END

        """
    public static let helper = """
        // EVOLVE-BLOCK-START helper
        let scale = 2
        // EVOLVE-BLOCK-END
        let fixedHelper = 3

        """
    public static let files = ["kernel.swift": kernel, "helper.swift": helper, "BRIEF.md": "Make it better.\n"]

    public static func edit(_ file: String?, _ search: String, _ replace: String) -> String {
        (file.map { "\($0)\n" } ?? "") + "<<<<<<< SEARCH\n\(search)\n=======\n\(replace)\n>>>>>>> REPLACE\n"
    }
}
