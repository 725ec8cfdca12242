import EvolveCore
import Testing

/// The detail a failed attempt leaves for the next prompt carries the error, not the first line of the
/// alphabetically first artifact.
@Suite struct AttemptDetailTests {
    @Test func aCompileFailureCarriesTheCompilersFirstErrorsWithTheirFileAndLine() {
        let build = """
            compile failed (exited with status 1)
            compiler output (it quotes the program's code), verbatim candidate output, not evolve's words:
            │ /tmp/evolve-work/eval-1a2b3c4d/build/kernel.swift:14:30: error: cannot find 'hiden' in scope
            │     static let width = hiden * 2
            │                        ^~~~~
            │ /tmp/evolve-work/eval-1a2b3c4d/build/kernel.swift:131:13: error: value of type 'Tape' has no member 'mean'
            │ kernel.swift:150:9: warning: variable 'q' was never mutated
            """
        let detail = AttemptDetail.failure(["build": build, "compute check": "not run: the compute calibration failed"])
        #expect(detail == "build: compile failed (exited with status 1) — kernel.swift:14:30: error: cannot find 'hiden' in scope; kernel.swift:131:13: error: value of type 'Tape' has no member 'mean'")
    }

    @Test func aRefusalCarriesTheIdentifierAndTheRule() {
        let build = """
            refused before compiling: 1 use of what kernels may not use (docs/candidate-protocol.md, "What a kernel may do")
            kernel.swift:150:13: refused [files]: `FileManager` reads or writes files; a kernel computes only through TRMKit
            """
        let detail = AttemptDetail.failure(["build": build])
        #expect(detail.hasPrefix("build: refused before compiling: 1 use"))
        #expect(detail.contains("kernel.swift:150:13: refused [files]: `FileManager`"))
    }

    @Test func aRunThatFailedCarriesItsOwnErrorLineNotEvolvesNotes() {
        let stage = """
            the program ended with exited with status 1
            sandbox: exited with status 1 after 2.1 s wall, 2.0 s CPU, peak memory 40 MiB, work dir 0 MiB in 2 files
            stderr (last lines), verbatim candidate output, not evolve's words:
            │ step 0 loss 2.30
            │ error: kernel.predict returned logits of shape [1, 1]; expected [576, 10]
            """
        let detail = AttemptDetail.failure([
            "compute check": "not run: the compute calibration failed on this machine",
            "flag: permutation": "learns the renamed answers",
            "sudoku-6x6-minimal: stage 1": stage,
        ])
        #expect(detail == "sudoku-6x6-minimal: stage 1: the program ended with exited with status 1 — error: kernel.predict returned logits of shape [1, 1]; expected [576, 10]")
    }

    @Test func theDetailIsCappedAndNeverEmpty() {
        let long = "compile failed\n" + (1...20).map { "│ kernel.swift:\($0):1: error: " + String(repeating: "x", count: 200) }.joined(separator: "\n")
        #expect(AttemptDetail.failure(["build": long]).count == AttemptDetail.maxCharacters)
        #expect(AttemptDetail.failure([:]) == "no details")
    }
}
