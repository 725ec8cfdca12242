import Foundation

/// A line, step or scatter plot as inline SVG (no script, no external reference): axes with round ticks,
/// a colour per series, a legend, and a hover title on each point.
///
/// ```swift
/// var plot = SVGPlot(title: "Best score", xLabel: "iteration", yLabel: "validation score")
/// plot.series.append(.init(name: "island 0", color: SVGPlot.palette[0], style: .step, points: [(0, 0.2, nil), (5, 0.4, nil)]))
/// let svg = plot.render()
/// ```
struct SVGPlot {
    enum Style {
        /// Holds each value until the next point (a best-so-far curve).
        case step
        case dashedStep
        case line
        case points
    }

    struct Series {
        var name: String
        var color: String
        var style: Style
        /// `label` becomes the point's hover title (escaped here).
        var points: [(x: Double, y: Double, label: String?)]
        /// Indices of points drawn with a red ring (e.g. elites whose generalization gap is too large).
        var flagged: Set<Int> = []
        /// False for a series that repeats another's colour (a median beside its best).
        var inLegend = true
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series] = []
    var width = 620.0
    var height = 300.0
    /// Draws y = x (validation against test: points below it score worse on held-out data).
    var diagonal = false

    /// Tableau's ten colours: distinct in print and for most colour-blind readers.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    let left = 62.0, right = 14.0, bottom = 44.0

    func render() -> String {
        let all = series.flatMap(\.points)
        // Legend entries wrap into rows above the frame.
        var legend: [(series: Series, x: Double, row: Int)] = []
        var legendX = left, legendRow = 0
        for s in series where s.inLegend {
            let entryWidth = 26 + Double(s.name.count) * 6.2
            if legendX + entryWidth > width - right, legendX > left { legendX = left; legendRow += 1 }
            legend.append((s, legendX, legendRow))
            legendX += entryWidth
        }
        let top = 40.0 + 16 * Double(legendRow + 1)
        var svg = "<svg class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        svg += "<title>\(HTML.escape(title))</title>"
        svg += text(HTML.escape(title), x: left, y: 16, attributes: "class=\"plot-title\"")
        guard !all.isEmpty else {
            svg += text("no data yet", x: width / 2, y: height / 2, attributes: "text-anchor=\"middle\" class=\"muted\"")
            return svg + "</svg>"
        }
        var (xs, ys) = (all.map(\.x), all.map(\.y))
        if diagonal { xs += ys; ys = xs }
        let xScale = Axis(values: xs), yScale = Axis(values: ys)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xScale.lower) / (xScale.upper - xScale.lower) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - yScale.lower) / (yScale.upper - yScale.lower) * plotHeight }

        // Grid and ticks.
        for tick in yScale.ticks {
            let y = HTML.coordinate(py(tick))
            svg += "<line x1=\"\(HTML.coordinate(left))\" x2=\"\(HTML.coordinate(left + plotWidth))\" y1=\"\(y)\" y2=\"\(y)\" class=\"grid\"/>"
            svg += text(Self.short(tick), x: left - 6, y: py(tick) + 4, attributes: "text-anchor=\"end\" class=\"tick\"")
        }
        for tick in xScale.ticks {
            let x = HTML.coordinate(px(tick))
            svg += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(HTML.coordinate(top))\" y2=\"\(HTML.coordinate(top + plotHeight))\" class=\"grid\"/>"
            svg += text(Self.short(tick), x: px(tick), y: top + plotHeight + 16, attributes: "text-anchor=\"middle\" class=\"tick\"")
        }
        svg += "<rect x=\"\(HTML.coordinate(left))\" y=\"\(HTML.coordinate(top))\" width=\"\(HTML.coordinate(plotWidth))\" height=\"\(HTML.coordinate(plotHeight))\" class=\"frame\"/>"
        svg += text(HTML.escape(xLabel), x: left + plotWidth / 2, y: height - 6, attributes: "text-anchor=\"middle\" class=\"axis-label\"")
        svg += text(HTML.escape(yLabel), x: 14, y: top + plotHeight / 2,
                    attributes: "text-anchor=\"middle\" class=\"axis-label\" transform=\"rotate(-90 14 \(HTML.coordinate(top + plotHeight / 2)))\"")
        if diagonal {
            let lo = max(xScale.lower, yScale.lower), hi = min(xScale.upper, yScale.upper)
            svg += "<line x1=\"\(HTML.coordinate(px(lo)))\" y1=\"\(HTML.coordinate(py(lo)))\" x2=\"\(HTML.coordinate(px(hi)))\" y2=\"\(HTML.coordinate(py(hi)))\" class=\"diagonal\"/>"
        }

        // Series.
        for s in series where !s.points.isEmpty {
            let color = HTML.escape(s.color)
            switch s.style {
            case .step, .dashedStep, .line:
                var d = "M\(HTML.coordinate(px(s.points[0].x))) \(HTML.coordinate(py(s.points[0].y)))"
                for point in s.points.dropFirst() {
                    if s.style == .line {
                        d += "L\(HTML.coordinate(px(point.x))) \(HTML.coordinate(py(point.y)))"
                    } else {
                        d += "H\(HTML.coordinate(px(point.x)))V\(HTML.coordinate(py(point.y)))"
                    }
                }
                let dash = s.style == .dashedStep ? " stroke-dasharray=\"5 3\"" : ""
                svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dash)><title>\(HTML.escape(s.name))</title></path>"
            case .points:
                for (index, point) in s.points.enumerated() {
                    let (x, y) = (HTML.coordinate(px(point.x)), HTML.coordinate(py(point.y)))
                    if s.flagged.contains(index) {
                        svg += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"6.5\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>"
                    }
                    svg += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"3.5\" fill=\"\(color)\" fill-opacity=\"0.8\">"
                    if let label = point.label { svg += "<title>\(HTML.escape(label))</title>" }
                    svg += "</circle>"
                }
            }
        }

        for entry in legend {
            let (s, x, y) = (entry.series, entry.x, 33 + 16 * Double(entry.row))
            let swatch = s.style == .points
                ? "<circle cx=\"\(HTML.coordinate(x + 6))\" cy=\"\(HTML.coordinate(y))\" r=\"4\" fill=\"\(HTML.escape(s.color))\"/>"
                : "<line x1=\"\(HTML.coordinate(x))\" x2=\"\(HTML.coordinate(x + 14))\" y1=\"\(HTML.coordinate(y))\" y2=\"\(HTML.coordinate(y))\" stroke=\"\(HTML.escape(s.color))\" stroke-width=\"2.5\"\(s.style == .dashedStep ? " stroke-dasharray=\"4 2\"" : "")/>"
            svg += swatch + text(HTML.escape(s.name), x: x + 18, y: y + 4, attributes: "class=\"legend\"")
        }
        return svg + "</svg>"
    }

    private func text(_ escaped: String, x: Double, y: Double, attributes: String) -> String {
        "<text x=\"\(HTML.coordinate(x))\" y=\"\(HTML.coordinate(y))\" \(attributes)>\(escaped)</text>"
    }

    /// A tick label: `0.25`, `1200`, `15k`, `2.5M`.
    static func short(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return trimmed(value / 1e6) + "M" }
        if magnitude >= 1e4 { return trimmed(value / 1e3) + "k" }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A data range widened to round ticks (1, 2, 2.5 or 5 times a power of ten).
    struct Axis {
        let lower: Double
        let upper: Double
        let ticks: [Double]

        init(values: [Double], count: Int = 5) {
            let finite = values.filter(\.isFinite)
            var lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if hi - lo < 1e-12 {
                lo -= lo == 0 ? 0 : abs(lo) * 0.1 + 0.05
                hi += abs(hi) * 0.1 + 0.05
            }
            let raw = (hi - lo) / Double(count)
            let power = pow(10, floor(log10(raw)))
            let step = [1, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= raw * 0.999 } ?? raw
            lower = floor(lo / step) * step
            upper = max(ceil(hi / step) * step, lower + step)
            ticks = stride(from: lower, through: upper + step * 1e-6, by: step).map { ($0 / step).rounded() * step }
        }
    }
}
