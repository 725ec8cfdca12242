import Foundation
import Testing
@testable import EvolveCore
@testable import evolve

/// `evolve run`'s live status: on a terminal one line redrawn in place (iteration, evaluations per hour,
/// best validation and its test score, island bests, tokens and dollars, ETA to the nearest budget);
/// elsewhere timestamped lines, a status line at most once a minute.
@Suite struct ProgressPrinterTests {
    static func status(
        iteration: Int = 30, evaluations: Int = 60, elapsed: Double = 1800, costUSD: Double = 0.5, tokens: (Int, Int) = (20_000, 4_000),
        maxIterations: Int? = nil, maxSeconds: Double? = nil, maxSpendUSD: Double? = nil
    ) -> EvolutionLoop.Status {
        EvolutionLoop.Status(
            iteration: iteration, evaluations: evaluations, inFlight: 2, bestScore: 0.6125, bestTestScore: 0.5875,
            islandBests: [0.6125, nil, 0.4], promptTokens: tokens.0, completionTokens: tokens.1, costUSD: costUSD,
            elapsedSeconds: elapsed, maxIterations: maxIterations, maxSeconds: maxSeconds, maxSpendUSD: maxSpendUSD)
    }

    let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC
    let utc = TimeZone(identifier: "UTC")!

    @Test func theTerminalLineHasEveryFigureOnOneLineRedrawnInPlace() throws {
        let text = try #require(ProgressPrinter.text(
            for: .status(Self.status(maxIterations: 100)), terminal: true, now: now, lastPlainStatus: now))
        #expect(text.hasPrefix("\r\u{1B}[2K"))
        #expect(!text.contains("\n"))
        let line = String(text.dropFirst("\r\u{1B}[2K".count))
        #expect(line == "iter 30/100 · 60 evals (120/h) · best 0.6125 (test 0.5875) · islands [0.613 – 0.400] · llm 24k tok $0.50 · eta 1h10m")
        // A message goes above the line: the line is cleared, the message ends with a newline.
        #expect(ProgressPrinter.text(for: .message("seed trm: 0.14"), terminal: true, now: now, lastPlainStatus: now)
                == "\r\u{1B}[2Kseed trm: 0.14\n")
    }

    @Test func offATerminalLinesAreTimestampedAndTheStatusComesOnceAMinute() throws {
        let message = ProgressPrinter.text(for: .message("run 'x' lives in /tmp/x"), terminal: false, now: now, lastPlainStatus: now, timeZone: utc)
        #expect(message == "2026-11-18 11:06:40 run 'x' lives in /tmp/x\n")
        let status = EvolutionLoop.Event.status(Self.status())
        #expect(ProgressPrinter.text(for: status, terminal: false, now: now, lastPlainStatus: now.addingTimeInterval(-59), timeZone: utc) == nil)
        let line = try #require(ProgressPrinter.text(for: status, terminal: false, now: now, lastPlainStatus: now.addingTimeInterval(-60), timeZone: utc))
        #expect(line.hasPrefix("2026-11-18 11:06:40 iter 30 · 60 evals (120/h) · best 0.6125 (test 0.5875)"))
        #expect(line.hasSuffix("\n") && !line.contains("\r") && !line.contains("\u{1B}"))
        #expect(line.split(separator: "\n").count == 1)
    }

    @Test func noTokensNoLLMPartAndNoBudgetNoETA() {
        let line = ProgressPrinter.line(Self.status(costUSD: 0, tokens: (0, 0)))
        #expect(!line.contains("llm") && !line.contains("eta"))
        #expect(line.hasPrefix("iter 30 · "))
    }

    /// 30 iterations and $0.50 in half an hour: 100 iterations are 70 min away, 2 h are 90 min away, $1
    /// is 30 min away. The ETA is the earliest.
    @Test func theETAIsTheEarliestOfTheIterationTimeAndSpendBudgets() {
        #expect(ProgressPrinter.eta(Self.status(maxIterations: 100)) == "1h10m")
        #expect(ProgressPrinter.eta(Self.status(maxSeconds: 7200)) == "1h30m")
        #expect(ProgressPrinter.eta(Self.status(maxSpendUSD: 1)) == "30m00s")
        #expect(ProgressPrinter.eta(Self.status(maxIterations: 100, maxSeconds: 7200, maxSpendUSD: 1)) == "30m00s")
        #expect(ProgressPrinter.eta(Self.status(maxIterations: 40, maxSeconds: 7200, maxSpendUSD: 1)) == "10m00s")
        // The spend budget reached: nothing left. Nothing spent yet: no pace to extrapolate from.
        #expect(ProgressPrinter.eta(Self.status(costUSD: 1.2, maxSpendUSD: 1)) == "0m00s")
        #expect(ProgressPrinter.eta(Self.status(costUSD: 0, maxSpendUSD: 1)) == nil)
        // The line shows the budget beside the dollars spent.
        #expect(ProgressPrinter.line(Self.status(maxSpendUSD: 1)).contains("llm 24k tok $0.50/$1.00 · eta 30m00s"))
    }
}
