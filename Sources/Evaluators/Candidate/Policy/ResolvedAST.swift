import Foundation

/// The AST pass of `ResolvedPolicy`: reads `swiftc -dump-ast -dump-ast-format json` (one document per
/// source file) and checks every declaration reference, conformance, type and import in it.
///
/// What it relies on in the 6.3.1 format, measured: references are `decl_ref` objects with `decl_usr`
/// (also for key-path components, operators, literal initialisers, `for-in` iterators and interpolation
/// segments, which the compiler inserts itself); conformances are `*_conformance` objects with a
/// `protocol` USR (also inside generic substitution maps); expressions and declarations carry mangled
/// types in `type`, `interface_type`, `result` and `replacement_type`; positions are `range.start` byte
/// offsets into the file.
struct ResolvedAST {
    let policy: ResolvedPolicy
    /// The program's files by the name the compiler was given, for line numbers.
    let sources: [String: String]
    private(set) var files: [(name: String, root: Any)] = []
    /// USRs the program declares (its types, functions, properties, extensions' members).
    private(set) var declared: Set<String> = []
    /// Names of protocols and classes the program declares, for the SIL pass.
    private(set) var declaredProtocols: Set<String> = []
    private(set) var declaredClasses: Set<String> = []

    /// The largest nesting a dump may have: deeper documents are refused rather than walked.
    static let maxDepth = 4000
    /// Expression kinds that turn a value into a pointer (`&x`, an array or string passed as a pointer).
    static let pointerConversions: Set<String> = ["inout_to_pointer", "array_to_pointer", "string_to_pointer", "pointer_to_pointer"]
    /// Attributes that reach C symbols or change linkage (the source layer refuses the spelling too).
    static let linkageAttributes: Set<String> = [
        "silgen_name_attr", "cdecl_attr", "extern_attr", "section_attr", "used_attr", "expose_attr", "dynamic_replacement_attr",
        "implementation_only_attr", "exported_attr", "semantics_attr", "objc_attr", "dynamic_attr",
    ]
    /// Keys whose values are mangled types.
    static let typeKeys = ["type", "interface_type", "result", "replacement_type"]

    init(policy: ResolvedPolicy, sources: [String: String]) {
        self.policy = policy
        self.sources = sources
    }

    /// Parses one file's dump and records what it declares.
    mutating func read(_ dump: Data) throws {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: dump)
        } catch {
            throw DumpError(description: "the compiler's AST dump is not readable JSON (\(error.localizedDescription)); simplify the program (very deep nesting is refused)")
        }
        guard let file = root as? [String: Any], file["_kind"] as? String == "source_file", let name = file["filename"] as? String else {
            throw DumpError(description: "the compiler's AST dump has no source_file at its top; the dump format changed: update ResolvedAST")
        }
        let version = (file["compiler_version"] as? [String: Any])?["full"] as? String ?? ""
        guard version == ResolvedPolicy.compilerVersion else { throw ResolvedPolicy.CompilerMismatch(found: version) }
        try Self.walk(file) { node, _ in
            if let usr = node["usr"] as? String, !usr.isEmpty { declared.insert(usr) }
            let kind = node["_kind"] as? String
            if kind == "protocol_decl" || kind == "class_decl", let name = Self.name(node) {
                if kind == "protocol_decl" { declaredProtocols.insert(name) } else { declaredClasses.insert(name) }
            }
        }
        files.append((name, file))
    }

    /// Every violation in the files read.
    func check() -> [SourcePolicy.Violation] {
        var violations: [SourcePolicy.Violation] = []
        var demangled: [String: String?] = [:]
        for (name, root) in files {
            let lines = LineTable(sources[name] ?? "")
            let shown = (name as NSString).lastPathComponent
            try? Self.walk(root) { node, offset in
                let (line, column) = lines.position(offset)
                func refuse(_ rule: String, _ message: String) {
                    violations.append(SourcePolicy.Violation(file: shown, line: line, column: column, rule: rule, message: message))
                }
                let kind = node["_kind"] as? String ?? ""
                switch kind {
                case "import_decl":
                    let path = node["module_path"] as? [String] ?? []
                    if path.count != 1 || !["TRMKit", "Swift"].contains(path[0]) || node["import_kind"] != nil {
                        refuse("imports", "`import \(path.joined(separator: "."))`: a kernel imports only TRMKit (and Swift)")
                    }
                case "decl_ref":
                    if let usr = node["decl_usr"] as? String, !usr.isEmpty, !policy.admits(usr: usr, declared: declared) {
                        refuse("vetted", "`\(ResolvedPolicy.printed(usr: usr))` is not a declaration kernels may use (only the kernel's own, TRMKit's public API and the vetted standard library; \(usr))")
                    }
                default:
                    if Self.pointerConversions.contains(kind) {
                        refuse("pointer conversion", "`\(kind)`: an argument becomes a pointer here (`&x`, or an array or string passed as a pointer); kernels have no raw memory")
                    } else if Self.linkageAttributes.contains(kind) {
                        refuse("attributes", "`\(kind)`: attributes that bind C symbols or change linkage are not allowed in kernels")
                    } else if kind.contains("macro") {
                        refuse("macros", "`\(kind)`: macros run code inside the compiler and are not allowed in kernels")
                    } else if kind.hasSuffix("_conformance"), let proto = node["protocol"] as? String,
                        !policy.admits(usr: proto, declared: declared)
                    {
                        refuse("conformance", "a conformance to `\(ResolvedPolicy.printed(usr: proto))` is not allowed in kernels (only the vetted standard-library protocols, TRMKit's and the kernel's own)")
                    }
                }
                for key in Self.typeKeys {
                    guard let type = node[key] as? String, type.hasPrefix("$s") else { continue }
                    let printed = demangled[type] ?? {
                        let text = MangledName.demangle(type)
                        demangled[type] = .some(text)
                        return text
                    }()
                    guard let printed else {
                        refuse("types", "a type the checker cannot read (\(type)); simplify the declaration")
                        continue
                    }
                    if let marker = MangledName.rawMemory(in: printed) {
                        refuse("pointer type", "a \(kind.replacingOccurrences(of: "_", with: " ")) of type `\(printed)` mentions `\(marker)`: kernels have no raw memory")
                    }
                }
            }
        }
        return violations
    }

    /// A declaration's simple name (`name.base_name.name`).
    static func name(_ node: [String: Any]) -> String? {
        ((node["name"] as? [String: Any])?["base_name"] as? [String: Any])?["name"] as? String
    }

    /// Visits every object of `root` with the byte offset of the nearest enclosing `range.start`,
    /// without recursion (a deep program cannot exhaust the stack), refusing documents deeper than
    /// `maxDepth`.
    static func walk(_ root: Any, _ visit: ([String: Any], Int) -> Void) throws {
        var stack: [(value: Any, offset: Int, depth: Int)] = [(root, 0, 0)]
        while let (value, inherited, depth) = stack.popLast() {
            guard depth < maxDepth else { throw DumpError(description: "the compiler's AST dump nests deeper than \(maxDepth) levels; split deeply nested expressions") }
            if let object = value as? [String: Any] {
                let start = (object["range"] as? [String: Any])?["start"] as? Int
                let offset = start ?? inherited
                visit(object, offset)
                for (_, child) in object where child is [String: Any] || child is [Any] { stack.append((child, offset, depth + 1)) }
            } else if let array = value as? [Any] {
                for child in array.reversed() where child is [String: Any] || child is [Any] { stack.append((child, inherited, depth + 1)) }
            }
        }
    }
}

/// Byte offsets of a source file as 1-based lines and columns.
struct LineTable {
    private var starts: [Int] = [0]

    init(_ text: String) {
        for (index, byte) in text.utf8.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
    }

    func position(_ offset: Int) -> (line: Int, column: Int) {
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return (low + 1, offset - starts[low] + 1)
    }
}
