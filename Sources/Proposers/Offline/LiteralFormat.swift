import Foundation

/// Writes a mutated number back as source text in the style of the literal it replaces: integers as
/// integers, `3e-3` in exponent form, `0.1` as a decimal; at most 3 significant digits, so a lineage
/// reads `hidden 64 → 96`, not `hidden 64 → 95.99999`.
enum LiteralFormat {
    /// `value` rounded to `digits` significant digits.
    static func rounded(_ value: Double, digits: Int = 3) -> Double {
        guard value != 0, value.isFinite else { return value }
        let scale = pow(10, Double(digits) - ceil(log10(abs(value))))
        return (value * scale).rounded() / scale
    }

    /// `0.25`, `96.5`, `0.0001`: a decimal with a point (`2.0`, never `2`, so a Float stays a Float).
    static func decimal(_ value: Double) -> String {
        var text = String(format: "%.6f", rounded(value, digits: 6))
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text += "0" }
        return text
    }

    /// `1.5e-3`, `6e-3`.
    static func scientific(_ value: Double) -> String {
        guard value != 0 else { return "0" }
        var exponent = Int(floor(log10(abs(value))))
        var mantissa = rounded(value / pow(10, Double(exponent)))
        if abs(mantissa) >= 10 {
            mantissa /= 10
            exponent += 1
        }
        var m = String(format: "%.2f", mantissa)
        while m.hasSuffix("0") { m.removeLast() }
        if m.hasSuffix(".") { m.removeLast() }
        return "\(m)e\(exponent)"
    }

    /// The magnitude of `value` written like `site` (its sign, if any, stays outside the literal).
    static func text(_ value: Double, like site: LiteralSite) -> String {
        let magnitude = abs(value)
        switch site.kind {
        case .boolean:
            let capitalised = site.text.first?.isUppercase ?? false
            return value != 0 ? (capitalised ? "True" : "true") : (capitalised ? "False" : "false")
        case .integer:
            if !site.floatTyped || magnitude == magnitude.rounded() { return String(Int64(magnitude.rounded())) }
            return decimal(magnitude)
        case .float:
            return site.text.lowercased().contains("e") ? scientific(magnitude) : decimal(magnitude)
        }
    }
}
