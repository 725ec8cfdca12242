import Testing
@testable import TRMKit

/// A kernel computes on data it cannot read (issue 15): values never leave through descriptions or
/// reflection, and the ops that training needs in place of reading them behave as specified.
@Suite struct OpaqueDataTests {
    let secret: Float = 7.125

    @Test func descriptionsAndReflectionShowShapesNotValues() {
        let tensor = Tensor(shape: [2, 2], data: [secret, 1, 2, 3])
        let tokens = Tokens([4, 5, 6, 7, 8, 9], width: 3)
        let examples = [Example(input: [3, 1, 4], label: [1, 5, 9]), Example(input: [2, 7, 1], label: [8, 2, 8])]
        let batch = Batch(examples, indices: [0, 1], seqLen: 3, withLabels: true)
        let texts: [String] = [
            String(describing: tensor), String(reflecting: tensor), "\(tensor)", "\([tensor])",
            String(describing: tokens), String(reflecting: tokens), String(describing: batch), String(reflecting: batch),
            "\((tensor, batch))", String(describing: Tape()),
        ]
        for text in texts {
            #expect(!text.contains("7.125") && !text.contains("4, 5") && !text.contains("3, 1, 4") && !text.contains("1, 5, 9"), "\(text)")
        }
        #expect(String(describing: tensor) == "Tensor[2, 2]")
        #expect(String(describing: batch) == "Batch(2 × 3, labelled)")
        for subject in [tensor, tokens, batch, Tape()] as [Any] {
            #expect(Mirror(reflecting: subject).children.isEmpty)
            var dumped = ""
            dump(subject, to: &dumped)
            #expect(!dumped.contains("7.125") && !dumped.contains("3, 1, 4") && !dumped.contains("1, 5, 9"), "\(dumped)")
        }
        // A kernel's own struct holding tensors reveals no values either.
        struct Holder { let weights = Tensor(shape: [1], data: [7.125]) }
        var dumped = ""
        dump(Holder(), to: &dumped)
        #expect(!dumped.contains("7.125"))
    }

    @Test func exactMatchMarksWholeAnswersRight() {
        // Two examples of two tokens, vocab 3: example 0 is right on both tokens, example 1 on one.
        let logits = Tensor(shape: [4, 3], data: [0, 5, 1, 9, 0, 0, 1, 1, 2, 0, 3, 0])
        let tape = Tape()
        let right = tape.exactMatch(logits, labels: Labels([1, 0, 2, 2], width: 2))
        #expect(right.data == [1, 0])
        #expect(!right.requiresGrad)
        #expect(tape.meter.total == 12)
        // The cross-entropy against labels records the same count for the training curve.
        _ = tape.stableMaxCrossEntropy(logits, labels: Labels([1, 0, 2, 2], width: 2))
        #expect(tape.lastAnswers == [true, false])
        // Ties go to the first maximum, as in the driver's arg-max.
        #expect(tape.exactMatch(Tensor(shape: [1, 2], data: [1, 1]), labels: Labels([0], width: 1)).data == [1])
    }

    @Test func selectResetsChosenExamplesAndRoutesGradients() {
        let tape = Tape()
        let carry = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])
        let initial = Tensor(shape: [2], data: [-1, -2])
        let mask = Tensor(shape: [3], data: [0, 1, 0])
        #expect(tape.select(mask, initial, carry).data == [1, 2, -1, -2, 5, 6])
        let perExample = Tensor(shape: [3, 2], data: [9, 9, 8, 8, 7, 7])
        #expect(tape.select(mask, perExample, carry).data == [1, 2, 8, 8, 5, 6])
        checkGradients([randomTensor([3, 2, 2], seed: 70), randomTensor([2, 2], seed: 71)]) { t, x in
            t.select(Tensor(shape: [3], data: [1, 0, 1]), x[1], x[0])
        }
    }

    @Test func sigmoidMaximumAndBCEAgainstComputedTargets() {
        checkGradients([randomTensor([5], seed: 72, std: 2)]) { t, x in t.sigmoid(x[0]) }
        checkGradients([randomTensor([6], seed: 73), randomTensor([6], seed: 74)]) { t, x in t.maximum(x[0], x[1]) }
        let tape = Tape()
        let logits = Tensor(shape: [2], data: [0.3, -1.2])
        let viaTensor = tape.binaryCrossEntropyWithLogits(logits, targets: Tensor(shape: [2], data: [1, 0]))
        let viaArray = tape.binaryCrossEntropyWithLogits(logits, targets: [1, 0])
        #expect(viaTensor.data == viaArray.data)
    }

    @Test func repeatedTokensWidenEachExample() {
        let puzzles = Tokens([3, 5], width: 1).repeated(2)
        #expect(puzzles.ids == [3, 3, 5, 5] && puzzles.width == 2 && puzzles.examples == 2)
    }
}

@Suite struct JSONTests {
    @Test func parsesTheProtocolFilesValues() throws {
        let value = try JSON.parse(Array(#" {"a": [1, -2, 3e2], "b": "x\"\u00e9\n", "c": null, "d": true, "seed": 18446744073709551615, "f": 7.5e11} "#.utf8))
        #expect(value["a"]?.array?.compactMap(\.int) == [1, -2, 300])
        #expect(value["b"]?.string == "x\"é\n")
        #expect(value["c"] == .null)
        #expect(value["d"] == .bool(true))
        #expect(value["seed"]?.uint64 == UInt64.max)
        #expect(value["f"]?.double == 7.5e11)
        #expect(try JSON.parse(Array(#""\ud83d\ude00""#.utf8)).string == "😀")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "1 2", "+1", "{\"a\":1,}"])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Array(text.utf8)) }
    }

    @Test func writesWhatItParses() throws {
        let value: JSON = .object(["id": .string("q\"1"), "output": .array([.int(3), .int(4)]), "x": .double(0.5), "n": .double(.nan)])
        let text = value.serialized()
        #expect(text == #"{"id":"q\"1","n":null,"output":[3,4],"x":0.5}"#)
        #expect(try JSON.parse(Array(text.utf8)) == .object(["id": .string("q\"1"), "n": .null, "output": .array([.number("3"), .number("4")]), "x": .number("0.5")]))
        #expect(try JSON.parse(Array(value.serialized(pretty: true).utf8)) == JSON.parse(Array(text.utf8)))
    }

    @Test func formatsFixedDecimals() {
        #expect(fixed(3.14159, 3) == "3.142")
        #expect(fixed(-0.05, 1) == "-0.1")
        #expect(fixed(2, 0) == "2")
        #expect(fixed(0.999, 2) == "1.00")
        #expect(fixed(.nan, 2) == "nan")
    }
}
