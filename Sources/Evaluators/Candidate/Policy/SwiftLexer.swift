/// Just enough of Swift's lexical structure to find identifiers, attributes and directives outside
/// comments and string literals — including inside string interpolations, which are code.
struct SwiftLexer {
    enum Kind: Equatable {
        case identifier(String, backticked: Bool)
        case attribute(String)
        case directive(String)
        case punctuation(Character)
    }

    struct Token {
        var kind: Kind
        var line: Int
        var column: Int
    }

    struct Problem {
        var line: Int
        var column: Int
        var rule: String
        var message: String
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private(set) var problems: [Problem] = []

    init(source: String) {
        scalars = Array(source.unicodeScalars)
    }

    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        lexCode(into: &tokens, untilClosingParen: false)
        return tokens
    }

    // MARK: - Scanning

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        guard index < scalars.count else { return }
        let scalar = scalars[index]
        index += 1
        if scalar == "\n" || (scalar == "\r" && peek() != "\n") {
            line += 1
            column = 1
        } else if scalar != "\r" {
            column += 1
        }
        checkCharacter(scalar)
    }

    /// Characters that could make this check and the compiler read the text differently.
    private mutating func checkCharacter(_ scalar: Unicode.Scalar) {
        let v = scalar.value
        let suspicious =
            (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F || v == 0x85 || (0x2028...0x2029).contains(v)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || (0x200B...0x200F).contains(v) || v == 0x061C
            || v == 0xFEFF
        if suspicious {
            problems.append(Problem(
                line: line, column: max(1, column - 1), rule: "characters",
                message: "character U+\(String(v, radix: 16, uppercase: true)) is not allowed in kernel sources (control, bidirectional or invisible characters can make code read differently than it compiles)"))
        }
    }

    private static func isIdentifierStart(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_" || (s.value > 0x7F && !s.properties.isWhitespace)
    }

    private static func isIdentifierPart(_ s: Unicode.Scalar) -> Bool {
        isIdentifierStart(s) || (s >= "0" && s <= "9")
    }

    private mutating func identifier() -> String {
        var name = ""
        while let s = peek(), Self.isIdentifierPart(s) {
            name.unicodeScalars.append(s)
            advance()
        }
        return name
    }

    private mutating func problem(_ rule: String, _ message: String, line: Int, column: Int) {
        problems.append(Problem(line: line, column: column, rule: rule, message: message))
    }

    /// Code until the end of the text (or, inside an interpolation, until its closing parenthesis).
    private mutating func lexCode(into tokens: inout [Token], untilClosingParen: Bool) {
        var depth = 0
        while let s = peek() {
            let (startLine, startColumn) = (line, column)
            if s == "/" && peek(1) == "/" {
                while let c = peek(), c != "\n" && c != "\r" { advance() }
            } else if s == "/" && peek(1) == "*" {
                blockComment()
            } else if s == "\"" {
                string(hashes: 0, into: &tokens)
            } else if s == "#" {
                var hashes = 0
                while peek(hashes) == "#" { hashes += 1 }
                if peek(hashes) == "\"" {
                    for _ in 0..<hashes { advance() }
                    string(hashes: hashes, into: &tokens)
                } else if peek(hashes) == "/" {
                    problem("literals", "regex literals are not allowed in kernels", line: startLine, column: startColumn)
                    advance()
                } else {
                    advance()
                    let name = identifier()
                    tokens.append(Token(kind: .directive(name.isEmpty ? "#" : name), line: startLine, column: startColumn))
                }
            } else if s == "@" {
                advance()
                tokens.append(Token(kind: .attribute(identifier()), line: startLine, column: startColumn))
            } else if s == "`" {
                advance()
                var name = ""
                while let c = peek(), c != "`" && c != "\n" {
                    name.unicodeScalars.append(c)
                    advance()
                }
                advance()
                tokens.append(Token(kind: .identifier(name, backticked: true), line: startLine, column: startColumn))
            } else if s == "$" || Self.isIdentifierStart(s) {
                if s == "$" { advance() }
                let name = identifier()
                tokens.append(Token(kind: .identifier(name, backticked: false), line: startLine, column: startColumn))
            } else if s >= "0" && s <= "9" {
                // A number literal, with its digits, letters (0x…, 1e5) and separators.
                while let c = peek(), Self.isIdentifierPart(c) || (c == "." && (peek(1).map { $0 >= "0" && $0 <= "9" } ?? false)) {
                    advance()
                }
            } else {
                if untilClosingParen {
                    if s == "(" { depth += 1 }
                    if s == ")" {
                        if depth == 0 {
                            advance()
                            return
                        }
                        depth -= 1
                    }
                }
                if !s.properties.isWhitespace {
                    tokens.append(Token(kind: .punctuation(Character(s)), line: startLine, column: startColumn))
                }
                advance()
            }
        }
        if untilClosingParen {
            problem("literals", "unterminated string interpolation", line: line, column: column)
        }
    }

    /// /* … */, nested as Swift nests them.
    private mutating func blockComment() {
        let (startLine, startColumn) = (line, column)
        var depth = 0
        while let s = peek() {
            if s == "/" && peek(1) == "*" {
                depth += 1
                advance()
                advance()
            } else if s == "*" && peek(1) == "/" {
                depth -= 1
                advance()
                advance()
                if depth == 0 { return }
            } else {
                advance()
            }
        }
        problem("literals", "unterminated /* comment", line: startLine, column: startColumn)
    }

    /// A string literal whose opening `#`s are consumed; the cursor is on its first quote.
    /// Interpolations (`\(…)`, or `\#(…)` in raw strings) are lexed as code.
    private mutating func string(hashes: Int, into tokens: inout [Token]) {
        let (startLine, startColumn) = (line, column)
        let multiline = peek(1) == "\"" && peek(2) == "\""
        let quotes = multiline ? 3 : 1
        for _ in 0..<quotes { advance() }
        func closes(_ lexer: SwiftLexer) -> Bool {
            for q in 0..<quotes where lexer.peek(q) != "\"" { return false }
            for h in 0..<hashes where lexer.peek(quotes + h) != "#" { return false }
            return true
        }
        while let s = peek() {
            if !multiline && (s == "\n" || s == "\r") { break }
            if closes(self) {
                for _ in 0..<(quotes + hashes) { advance() }
                return
            }
            if s == "\\" {
                var delimiter = true
                for h in 0..<hashes where peek(1 + h) != "#" { delimiter = false }
                if delimiter {
                    advance()
                    for _ in 0..<hashes { advance() }
                    if peek() == "(" {
                        advance()
                        lexCode(into: &tokens, untilClosingParen: true)
                    } else {
                        advance()  // the escaped character
                    }
                    continue
                }
            }
            advance()
        }
        problem("literals", "unterminated string literal", line: startLine, column: startColumn)
    }
}
