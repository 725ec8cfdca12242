import Foundation
import Testing
@testable import Population

/// The value function's fit and the stop rule's bar, on numbers worked by hand.
@Suite struct ValueFunctionTests {
    /// final = 0.1 + 0.5·a + 0.3·b, with ±0.01 noise in a fixed pattern.
    static let samples: [ValueFunction.Sample] = (0..<30).map { i in
        let a = Double(i % 6) / 5, b = Double((i * 7) % 10) / 9
        let noise = [0.01, -0.01, 0.0][i % 3]
        return ValueFunction.Sample(scores: ["a": a, "b": b, "c": 0.5], final: 0.1 + 0.5 * a + 0.3 * b + noise)
    }

    @Test func theFitRecoversALinearRuleAndItsNoise() throws {
        let fit = try #require(ValueFunction.fit(Self.samples, on: ["a", "b"]))
        #expect(fit.features == ["a", "b"])
        #expect(abs(fit.coefficients[0] - 0.1) < 0.02 && abs(fit.coefficients[1] - 0.5) < 0.02 && abs(fit.coefficients[2] - 0.3) < 0.02)
        let p = try #require(fit.predict(["a": 0.4, "b": 0.5]))
        #expect(abs(p.mean - 0.45) < 0.01)
        // The noise is ±0.01, under the floor: the floor sets the SD, and leverage makes the SE a bit larger.
        #expect(p.residualSD == ValueFunction.sdFloor && p.standardError > p.residualSD && p.standardError < 0.03)
        #expect(fit.predict(["b": 0.5]) == nil, "a feature of the fit is missing")
    }

    @Test func aConstantBenchmarkDoesNotBreakTheFitAndTooFewSamplesGiveNone() throws {
        // `c` is 0.5 in every sample: singular without the ridge.
        #expect(ValueFunction.fit(Self.samples, on: ["a", "c"]) != nil)
        #expect(ValueFunction.fit(Array(Self.samples.prefix(4)), on: ["a", "b"]) == nil, "3 parameters need at least 6 samples")
    }

    @Test func theRuleStopsOnlyBelowTheLowerIncumbentAndNeverForAnEmptyCellOrIsland() {
        let rule = EarlyStopRule(mode: .on, minFinished: 10, z: 2)
        let p = ValueFunction.Prediction(mean: 0.3, standardError: 0.05, residualSD: 0.05, samples: 30)
        // Optimistic 0.4: below a 0.5 cell elite and a 0.6 island best → stop; the bar is the lower one.
        let stop = rule.verdict(prediction: p, islandBest: 0.6, cellElite: 0.5)
        #expect(stop?.stops == true && stop?.bar == 0.5 && stop?.optimistic == 0.4)
        #expect(rule.verdict(prediction: p, islandBest: 0.6, cellElite: 0.39)?.stops == false, "it could still take its cell")
        #expect(rule.verdict(prediction: p, islandBest: 0.35, cellElite: 0.5)?.stops == false, "it could still be the island's best")
        #expect(rule.verdict(prediction: p, islandBest: 0.6, cellElite: nil) == nil, "an empty cell takes any child")
        #expect(rule.verdict(prediction: p, islandBest: nil, cellElite: 0.5) == nil, "an island without a best takes any child")
        // A larger z is more cautious: 0.3 + 5·0.05 = 0.55 reaches the 0.5 cell elite.
        #expect(EarlyStopRule(mode: .on, minFinished: 10, z: 5).verdict(prediction: p, islandBest: 0.6, cellElite: 0.5)?.stops == false)
    }
}
