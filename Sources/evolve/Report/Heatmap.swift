import EvolveCore
import Foundation

/// One island's MAP-Elites grid as an SVG heatmap: rows are the first descriptor's bins (low at the bottom),
/// columns the second's, each occupied cell coloured by its elite's validation score on a scale shared by
/// all islands, so the islands compare at a glance.
struct Heatmap {
    var title: String
    var rowsName: String
    var columnsName: String
    var rowLabels: [String]
    var columnLabels: [String]
    /// `scores[row][column]`, nil for an empty cell.
    var scores: [[Double?]]
    /// Hover text per cell (escaped here).
    var tooltips: [[String?]]
    var scale: ClosedRange<Double>

    /// The grid of `island` from the store's cells. With more than two descriptors a cell shows the best
    /// elite over the others; with one, the grid is a single column.
    init(island: Int, store: ProgramStore, scale: ClosedRange<Double>, title: String) {
        let dims = store.config.features.dimensions
        let rowsDim = dims.first, columnsDim = dims.count > 1 ? dims[1] : nil
        let rows = rowsDim?.bins ?? 1, columns = columnsDim?.bins ?? 1
        self.title = title
        rowsName = rowsDim?.name ?? ""
        columnsName = columnsDim?.name ?? ""
        rowLabels = (0..<rows).map { row in rowsDim.map { BinLabel.text($0, row) } ?? "" }
        columnLabels = (0..<columns).map { column in columnsDim.map { BinLabel.text($0, column) } ?? "" }
        scores = Array(repeating: Array(repeating: nil, count: columns), count: rows)
        tooltips = scores.map { $0.map { _ in nil } }
        for elite in store.grid(island: island) {
            let row = elite.cell.first ?? 0, column = elite.cell.count > 1 ? elite.cell[1] : 0
            guard scores.indices.contains(row), scores[row].indices.contains(column) else { continue }
            if let current = scores[row][column], current >= elite.score { continue }
            scores[row][column] = elite.score
            tooltips[row][column] = String(format: "program %@: %.4f (%@ %@, %@ %@)", String(elite.id.prefix(8)), elite.score,
                                           rowsName, rowLabels[row], columnsName, columns > 1 ? columnLabels[column] : "–")
        }
        self.scale = scale
    }

    func render() -> String {
        let rows = scores.count, columns = scores.first?.count ?? 1
        let cellWidth = min(46, 330 / Double(max(columns, 1))), cellHeight = min(30, 240 / Double(max(rows, 1)))
        let left = 112.0, top = 26.0
        let gridWidth = cellWidth * Double(columns), gridHeight = cellHeight * Double(rows)
        let width = left + gridWidth + 70, height = top + gridHeight + 86
        var svg = "<svg class=\"heatmap\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        svg += "<title>\(HTML.escape(title))</title>"
        svg += "<text x=\"4\" y=\"16\" class=\"plot-title\">\(HTML.escape(title))</text>"
        for row in 0..<rows {
            // Row 0 (the smallest values) at the bottom, like a y axis.
            let y = top + gridHeight - Double(row + 1) * cellHeight
            svg += "<text x=\"\(HTML.coordinate(left - 6))\" y=\"\(HTML.coordinate(y + cellHeight / 2 + 3))\" text-anchor=\"end\" class=\"tick\">\(HTML.escape(rowLabels[row]))</text>"
            for column in 0..<columns {
                let x = left + Double(column) * cellWidth
                let geometry = "x=\"\(HTML.coordinate(x))\" y=\"\(HTML.coordinate(y))\" width=\"\(HTML.coordinate(cellWidth - 1))\" height=\"\(HTML.coordinate(cellHeight - 1))\""
                guard let score = scores[row][column] else {
                    svg += "<rect \(geometry) class=\"empty-cell\"/>"
                    continue
                }
                let t = (score - scale.lowerBound) / max(scale.upperBound - scale.lowerBound, 1e-12)
                svg += "<rect \(geometry) fill=\"\(Self.color(t))\">"
                if let tip = tooltips[row][column] { svg += "<title>\(HTML.escape(tip))</title>" }
                svg += "</rect>"
                if cellWidth >= 30, cellHeight >= 14 {
                    svg += "<text x=\"\(HTML.coordinate(x + cellWidth / 2))\" y=\"\(HTML.coordinate(y + cellHeight / 2 + 3))\" text-anchor=\"middle\" class=\"cell-value\" fill=\"\(t > 0.6 ? "#111" : "#fff")\">\(String(format: "%.2f", score))</text>"
                }
            }
        }
        for column in 0..<columns where columns > 1 {
            let x = left + (Double(column) + 0.5) * cellWidth, y = top + gridHeight + 8
            svg += "<text x=\"\(HTML.coordinate(x))\" y=\"\(HTML.coordinate(y))\" text-anchor=\"end\" class=\"tick\" transform=\"rotate(-40 \(HTML.coordinate(x)) \(HTML.coordinate(y)))\">\(HTML.escape(columnLabels[column]))</text>"
        }
        svg += "<text x=\"\(HTML.coordinate(left + gridWidth / 2))\" y=\"\(HTML.coordinate(height - 6))\" text-anchor=\"middle\" class=\"axis-label\">\(HTML.escape(columnsName.isEmpty ? "(one descriptor)" : columnsName)) →</text>"
        svg += "<text x=\"4\" y=\"\(HTML.coordinate(top + gridHeight + 22))\" class=\"axis-label\">↑ \(HTML.escape(rowsName))</text>"
        // Colour bar.
        let barX = left + gridWidth + 16
        for step in 0..<10 {
            let y = top + gridHeight - Double(step + 1) * gridHeight / 10
            svg += "<rect x=\"\(HTML.coordinate(barX))\" y=\"\(HTML.coordinate(y))\" width=\"10\" height=\"\(HTML.coordinate(gridHeight / 10 + 0.5))\" fill=\"\(Self.color((Double(step) + 0.5) / 10))\"/>"
        }
        svg += "<text x=\"\(HTML.coordinate(barX + 14))\" y=\"\(HTML.coordinate(top + 8))\" class=\"tick\">\(String(format: "%.3g", scale.upperBound))</text>"
        svg += "<text x=\"\(HTML.coordinate(barX + 14))\" y=\"\(HTML.coordinate(top + gridHeight))\" class=\"tick\">\(String(format: "%.3g", scale.lowerBound))</text>"
        return svg + "</svg>"
    }

    /// Viridis, by linear interpolation between five of its stops (`t` in 0…1).
    static func color(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let clamped = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let index = min(Int(clamped), stops.count - 2), f = clamped - Double(index)
        let (a, b) = (stops[index], stops[index + 1])
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
