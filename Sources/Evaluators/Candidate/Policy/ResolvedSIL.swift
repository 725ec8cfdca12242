import Foundation

/// The SIL pass of `ResolvedPolicy`: reads raw SIL (`swiftc -emit-silgen`, with debug locations) and
/// checks what the AST does not show — the targets of `function_ref`, `witness_method`, `class_method`,
/// key paths and `global_addr`, and the witnesses in witness tables (a retroactive conformance whose
/// witness is a standard-library getter), `&x` lowered to `_convertInOutToPointerArgument`, `#dsohandle`
/// as the address of `__dso_handle`, and `@_silgen_name` functions (a C symbol with no Swift mangling).
///
/// Raw SIL, not `-emit-sil`: the optimiser inlines `unsafeBitCast` and friends away before canonical
/// SIL is printed. Only function bodies the program defines are read; the standard library's serialized
/// bodies (`*_external` linkage) are its own business.
struct ResolvedSIL {
    let policy: ResolvedPolicy
    let ast: ResolvedAST

    /// One reference found in a checked body or table.
    private struct Reference {
        var symbol: String
        var what: String
        var location: (file: String, line: Int, column: Int)
    }

    func check(_ sil: String) -> [SourcePolicy.Violation] {
        var defined = Set<String>()
        var globals = Set<String>()
        for line in sil.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("sil "), line.hasSuffix("{"), let symbol = Self.symbol(in: line), !Self.isExternal(line) { defined.insert(symbol) }
            if line.hasPrefix("sil_global "), let symbol = Self.symbol(in: line), !Self.isExternal(line) { globals.insert(symbol) }
        }
        // TRMKit's classes and protocols, by simple name, from the USRs the AST referenced.
        let kernelAPI = Self.kernelAPINames(ast)
        var violations: [SourcePolicy.Violation] = []
        var inBody = false, inTable = false
        var lastLocation: (file: String, line: Int, column: Int) = ("(generated)", 0, 0)
        func refuse(_ location: (file: String, line: Int, column: Int), _ rule: String, _ message: String) {
            violations.append(SourcePolicy.Violation(file: location.file, line: location.line, column: location.column, rule: rule, message: message))
        }
        func checkFunction(_ symbol: String, _ what: String, _ location: (file: String, line: Int, column: Int)) {
            guard !admitsFunction(symbol, defined: defined) else { return }
            let bare = symbol.hasPrefix("@") ? String(symbol.dropFirst()) : symbol
            let name = bare.hasPrefix("$s") ? (MangledName.demangle(bare) ?? bare) : "the C symbol @\(bare)"
            refuse(location, "vetted", "\(what) `\(name)` is not a declaration kernels may use (raw SIL; only the kernel's own, TRMKit's public API and the vetted standard library)")
        }
        for line in sil.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("sil ") {
                inBody = line.hasSuffix("{") && !Self.isExternal(line)
                continue
            }
            if line.hasPrefix("sil_witness_table") || line.hasPrefix("sil_vtable") || line.hasPrefix("sil_default_witness_table") {
                inTable = line.hasSuffix("{")
                continue
            }
            if line.hasPrefix("}") {
                inBody = false
                inTable = false
                continue
            }
            if inTable {
                // `method #P.m: … : @witness` and vtable entries `#C.m: … : @impl`.
                if let at = line.range(of: " : @", options: .backwards) {
                    let symbol = String(line[at.upperBound...].prefix { !$0.isWhitespace })
                    checkFunction("@" + symbol, "the witness or method", lastLocation)
                }
                continue
            }
            guard inBody else { continue }
            // An instruction: `%n = opcode …` (or `alloc_global @…`); only a few opcodes name targets, so
            // the line is split no further unless its opcode is one of them.
            let instruction: Substring
            if let equals = line.firstIndex(of: "="), line[line.index(after: equals)...].first == " " {
                instruction = line[line.index(equals, offsetBy: 2)...]
            } else if line.drop(while: { $0 == " " }).hasPrefix("alloc_global ") {
                instruction = line.drop(while: { $0 == " " })
            } else {
                continue
            }
            let opcode = instruction.prefix { !$0.isWhitespace }
            guard Self.targetOpcodes.contains(opcode) else { continue }
            let location = Self.location(in: line) ?? lastLocation
            lastLocation = location
            switch opcode {
            case "function_ref":
                if let symbol = Self.symbol(in: instruction) { checkFunction(symbol, "a call to", location) }
            case "dynamic_function_ref", "prev_dynamic_function_ref", "objc_method", "objc_super_method":
                refuse(location, "vetted", "`\(opcode)`: dynamic replacement and Objective-C dispatch are not allowed in kernels")
            case "witness_method":
                let proto = Self.memberOwner(in: instruction)
                if !(VettedStandardLibrary.protocols.contains(proto) || ast.declaredProtocols.contains(proto) || kernelAPI.protocols.contains(proto)) {
                    refuse(location, "vetted", "a requirement of protocol `\(proto)` is called: it is not a protocol kernels may use")
                }
            case "class_method", "super_method":
                let owner = Self.memberOwner(in: instruction)
                if !(ast.declaredClasses.contains(owner) || kernelAPI.classes.contains(owner)) {
                    refuse(location, "vetted", "a method of class `\(owner)` is dispatched: it is not a class kernels may use")
                }
            case "keypath":
                // Components name their accessors and hashing functions `id @…`, `getter @…`, `setter @…`.
                let components = instruction.components(separatedBy: ", loc").first ?? String(instruction)
                for word in ["id", "getter", "setter", "equals", "hash"] {
                    for part in components.components(separatedBy: " \(word) @").dropFirst() {
                        checkFunction("@" + part.prefix { !$0.isWhitespace && $0 != "," && $0 != ")" }, "a key-path component", location)
                    }
                }
            case "global_addr", "global_value", "alloc_global":
                if let symbol = Self.symbol(in: instruction), !globals.contains(symbol) {
                    refuse(location, "vetted", "the address of the global `\(symbol.hasPrefix("$s") ? (MangledName.demangle(symbol) ?? symbol) : symbol)` is taken: kernels address only their own globals (`#dsohandle` is the image's address)")
                }
            case "builtin":
                if !instruction.hasPrefix("builtin \"once\"") {
                    refuse(location, "vetted", "`\(instruction.prefix(40))`: compiler builtins are not available to kernels")
                }
            default:
                break
            }
        }
        return violations
    }

    /// Whether a function symbol (`@$s…` or `@name`) is one the program defines, TRMKit's, SILGen's own
    /// helper, or a vetted standard-library declaration (its accessor or allocating entry point).
    func admitsFunction(_ token: String, defined: Set<String>) -> Bool {
        let symbol = token.hasPrefix("@") ? String(token.dropFirst()) : token
        if defined.contains(symbol) || VettedStandardLibrary.silImplicit.contains(symbol) { return true }
        guard symbol.hasPrefix("$s") else { return false }
        var body = String(symbol.dropFirst(2))
        if body.hasPrefix("\(ResolvedPolicy.kernelAPIModule.utf8.count)\(ResolvedPolicy.kernelAPIModule)")
            || ResolvedPolicy.isKernelAPIExtension(mangled: symbol)
        {
            return true
        }
        // A default-argument generator (`…fA0_`) belongs to its function.
        if let range = body.range(of: #"fA[0-9]+_$"#, options: .regularExpression) { body.removeSubrange(range) }
        // The allocating initialiser (`fC`) shares the USR of the initialiser (`fc`).
        if body.hasSuffix("fC") { body = String(body.dropLast()) + "c" }
        // Accessors (getter, setter, modify, read, observers) share the USR of their property or subscript.
        for suffix in ["g", "s", "M", "r", "W", "w"] {
            for kind in ["v", "i"] {
                for tail in ["", "Z"] where body.hasSuffix(kind + suffix + tail) {
                    let stem = body.dropLast(kind.count + suffix.count + tail.count)
                    if policy.admits(usr: "s:" + stem + kind + "p" + tail, declared: ast.declared) { return true }
                }
            }
        }
        return policy.admits(usr: "s:" + body, declared: ast.declared)
    }

    /// The opcodes whose operands name a function, method, key path or global.
    static let targetOpcodes: Set<Substring> = [
        "function_ref", "dynamic_function_ref", "prev_dynamic_function_ref", "objc_method", "objc_super_method", "witness_method",
        "class_method", "super_method", "keypath", "global_addr", "global_value", "alloc_global", "builtin",
    ]

    /// The first `@symbol` of a line, without its `@`.
    static func symbol<S: StringProtocol>(in line: S) -> String? {
        guard let at = line.firstIndex(of: "@") else { return nil }
        return String(line[line.index(after: at)...].prefix { !$0.isWhitespace && $0 != "," && $0 != ")" })
    }

    /// Whether a `sil`/`sil_global` line declares something defined elsewhere.
    static func isExternal<S: StringProtocol>(_ line: S) -> Bool {
        line.split(separator: " ").dropFirst().first.map { $0.hasSuffix("_external") } ?? false
    }

    /// `P` of `…, #P.member…` (the owner of a witness or class method).
    static func memberOwner<S: StringProtocol>(in instruction: S) -> String {
        guard let hash = instruction.range(of: ", #") else { return "?" }
        return String(instruction[hash.upperBound...].prefix { $0 != "." && !$0.isWhitespace })
    }

    /// `loc "file":line:column` of a line (`-sil-print-debuginfo`), by the file's last path component.
    static func location<S: StringProtocol>(in line: S) -> (file: String, line: Int, column: Int)? {
        guard let loc = line.range(of: "loc \"") ?? line.range(of: "loc * \"") else { return nil }
        let rest = line[loc.upperBound...]
        guard let quote = rest.firstIndex(of: "\"") else { return nil }
        let file = (String(rest[..<quote]) as NSString).lastPathComponent
        let numbers = rest[rest.index(after: quote)...].dropFirst().prefix { $0.isNumber || $0 == ":" }.split(separator: ":")
        guard numbers.count >= 2, let l = Int(numbers[0]), let c = Int(numbers[1]), l > 0 else { return nil }
        return (file, l, c)
    }

    /// Simple names of TRMKit's classes (`s:6TRMKit6TensorC…`) and protocols (`…P`) among the AST's
    /// referenced and conformed-to USRs, which the AST pass admitted by module.
    static func kernelAPINames(_ ast: ResolvedAST) -> (classes: Set<String>, protocols: Set<String>) {
        var classes = Set<String>(), protocols = Set<String>()
        let prefix = "s:\(ResolvedPolicy.kernelAPIModule.utf8.count)\(ResolvedPolicy.kernelAPIModule)"
        for (_, root) in ast.files {
            try? ResolvedAST.walk(root) { node, _ in
                for key in ["decl_usr", "protocol"] {
                    guard let usr = node[key] as? String, usr.hasPrefix(prefix) else { continue }
                    var rest = Substring(usr.dropFirst(prefix.count))
                    let digits = rest.prefix { $0.isNumber }
                    guard let length = Int(digits) else { continue }
                    rest = rest.dropFirst(digits.count)
                    guard rest.count > length else { continue }
                    let name = String(rest.prefix(length))
                    let marker = rest.dropFirst(length).first
                    if marker == "C" { classes.insert(name) } else if marker == "P" { protocols.insert(name) }
                }
            }
        }
        return (classes, protocols)
    }
}
