import Foundation

/// What a TRM kernel's Swift may contain, checked on the sources before they are compiled.
///
/// A kernel is scored on what its model learns within a FLOP budget that TRMKit meters; that promise
/// holds only if the kernel can reach data, compute and the outside world through TRMKit alone. So a
/// kernel imports only TRMKit and may not use what would get around it: unsafe pointers and bit casts
/// (read the meter's memory or a tensor's values), `@_silgen_name`/`@_cdecl` and other underscored
/// attributes (call any C function), compiler directives and macros (hide code from this check, or run
/// code at compile time), reflection (`Mirror`, `dump`), concurrency (threads the meter does not see),
/// clocks (timing side channels), and the names of file, process, network and environment APIs.
///
/// The check is lexical and errs on the side of refusing: it reads comments, string literals and
/// interpolations the way the compiler does, and refuses characters that could make the two disagree
/// (bidirectional controls, Unicode line separators). Each refusal names the file, line, column and
/// rule, and becomes the build artifact the next prompt shows.
///
/// It is the first of two layers and no longer the boundary: a list of names cannot see a pointer
/// returned under another name (`StaticString.utf8Start`). `ResolvedPolicy` checks what the compiler
/// resolved against an allow-list; this layer keeps what only the spelling shows (characters,
/// directives, which decide what the compiler sees) and its names as a fast filter with plain messages.
///
/// ```swift
/// let violations = SourcePolicy.kernel.check(files: [("kernel.swift", source)])
/// if !violations.isEmpty { print(SourcePolicy.describe(violations)) }
/// ```
public struct SourcePolicy: Sendable {
    /// One thing the policy refuses, where it is.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var column: Int
        /// A short rule name: imports, unsafe, attributes, directives, underscore, reflection, concurrency,
        /// clocks, system, characters, literals.
        public var rule: String
        public var message: String

        public var description: String { "\(file):\(line):\(column): refused [\(rule)]: \(message)" }
    }

    /// Modules a kernel may import.
    public var allowedImports: Set<String>
    /// Attributes a kernel may use (`@main`, `@inline(__always)`, …).
    public var allowedAttributes: Set<String>
    /// Identifiers refused wherever they appear, by rule.
    public var bannedNames: [String: (rule: String, reason: String)]
    /// Identifier prefixes refused, by rule.
    public var bannedPrefixes: [(prefix: String, rule: String, reason: String)]

    /// The policy for TRM kernels (docs/candidate-protocol.md, "What a kernel may do").
    public static let kernel: SourcePolicy = {
        var names: [String: (String, String)] = [:]
        func ban(_ rule: String, _ reason: String, _ list: [String]) { for name in list { names[name] = (rule, reason) } }
        ban("unsafe", "raw memory access could read tensor values or rewrite the FLOP meter", [
            "OpaquePointer", "Unmanaged", "ManagedBuffer", "ManagedBufferPointer", "withMemoryRebound", "assumingMemoryBound",
            "bindMemory", "withContiguousStorageIfAvailable", "withContiguousMutableStorageIfAvailable", "withUTF8",
            "withCString", "withVaList", "getVaList", "CVaListPointer", "CVarArg", "initializeMemory", "moveInitializeMemory",
            "Builtin",
        ])
        ban("reflection", "reflection could read values a kernel must not see", ["Mirror", "dump", "CustomReflectable"])
        ban("concurrency", "kernels run on one thread; other threads or tasks would compute off the meter", [
            "Task", "TaskGroup", "ThrowingTaskGroup", "DiscardingTaskGroup", "ThrowingDiscardingTaskGroup", "withTaskGroup",
            "withThrowingTaskGroup", "withDiscardingTaskGroup", "withThrowingDiscardingTaskGroup", "async", "await", "actor",
            "MainActor", "GlobalActor", "nonisolated", "isolated", "AsyncStream", "AsyncThrowingStream", "withCheckedContinuation",
            "withCheckedThrowingContinuation", "TaskLocal", "Executor", "SerialExecutor", "TaskExecutor", "Thread",
            "DispatchQueue", "OperationQueue", "Mutex", "Atomic",
        ])
        ban("clocks", "timing the metered ops would be a side channel on the data", [
            "ContinuousClock", "SuspendingClock", "Clock", "InstantProtocol", "DispatchTime", "clock_gettime", "gettimeofday",
        ])
        ban("system", "a kernel has no files, processes, network or environment: it reads data only through TRMKit", [
            "CommandLine", "readLine", "FileManager", "FileHandle", "ProcessInfo", "Process", "Pipe", "URL", "URLSession",
            "Bundle", "NSString", "NSData", "Foundation", "FoundationEssentials", "Glibc", "SwiftGlibc", "Darwin", "ucrt",
            "WinSDK", "Musl", "Android", "Bionic", "WASILibc", "CoreFoundation", "Dispatch", "dlopen", "dlsym", "dlclose",
            "dlerror", "dladdr", "popen", "fopen", "freopen", "fdopen", "fwrite", "fread", "fputs", "fprintf", "execv",
            "execve", "execvp", "execl", "execlp", "execle", "posix_spawn", "posix_spawnp", "fork", "vfork", "atexit",
            "at_quick_exit", "on_exit", "getenv", "setenv", "unsetenv", "putenv", "environ", "syscall", "mmap", "munmap",
            "mprotect", "ptrace", "socket", "sigaction", "setrlimit", "prctl", "ioctl", "fcntl", "opendir", "readdir", "unlink",
            "creat", "openat", "exit", "_exit", "abort", "kill", "contentsOfFile", "toFile", "atomically", "atPath",
        ])
        ban("macros", "macros run code inside the compiler", ["macro", "externalMacro"])
        return SourcePolicy(
            allowedImports: ["TRMKit"],
            allowedAttributes: [
                "main", "inline", "inlinable", "usableFromInline", "discardableResult", "escaping", "autoclosure", "frozen",
                "available", "dynamicMemberLookup", "dynamicCallable", "unknown", "warn_unqualified_access", "Sendable",
            ],
            bannedNames: names.mapValues { (rule: $0.0, reason: $0.1) },
            bannedPrefixes: [
                ("Unsafe", "unsafe", "raw memory access could read tensor values or rewrite the FLOP meter"),
                ("unsafe", "unsafe", "raw memory access could read tensor values or rewrite the FLOP meter"),
                ("withUnsafe", "unsafe", "raw memory access could read tensor values or rewrite the FLOP meter"),
                ("AutoreleasingUnsafe", "unsafe", "raw memory access could read tensor values or rewrite the FLOP meter"),
            ])
    }()

    public init(
        allowedImports: Set<String>, allowedAttributes: Set<String>, bannedNames: [String: (rule: String, reason: String)],
        bannedPrefixes: [(prefix: String, rule: String, reason: String)]
    ) {
        self.allowedImports = allowedImports
        self.allowedAttributes = allowedAttributes
        self.bannedNames = bannedNames
        self.bannedPrefixes = bannedPrefixes
    }

    /// Every violation in `files` (name, source text), in file and line order.
    public func check(files: [(name: String, source: String)]) -> [Violation] {
        files.flatMap { check(file: $0.name, source: $0.source) }
    }

    public func check(file: String, source: String) -> [Violation] {
        var lexer = SwiftLexer(source: source)
        let tokens = lexer.tokenize()
        var violations = lexer.problems.map {
            Violation(file: file, line: $0.line, column: $0.column, rule: $0.rule, message: $0.message)
        }
        func refuse(_ token: SwiftLexer.Token, _ rule: String, _ message: String) {
            violations.append(Violation(file: file, line: token.line, column: token.column, rule: rule, message: message))
        }
        for (index, token) in tokens.enumerated() {
            switch token.kind {
            case .identifier(let name, let backticked):
                if name == "import" && !backticked {
                    checkImport(tokens, after: index, token, refuse)
                    continue
                }
                if let ban = bannedNames[name] {
                    refuse(token, ban.rule, "`\(name)` is not available to kernels: \(ban.reason)")
                } else if let ban = bannedPrefixes.first(where: { name.hasPrefix($0.prefix) }) {
                    refuse(token, ban.rule, "`\(name)` is not available to kernels: \(ban.reason)")
                } else if name.hasPrefix("_") && name != "_" && name != "__always" {
                    refuse(token, "underscore", "`\(name)`: names starting with an underscore belong to the standard library's internals; rename it")
                }
            case .attribute(let name):
                if !allowedAttributes.contains(name) {
                    refuse(token, "attributes", "`@\(name)` is not allowed in kernels (allowed: \(allowedAttributes.sorted().map { "@" + $0 }.joined(separator: ", ")))")
                }
            case .directive(let name):
                refuse(token, "directives", "`#\(name)`: compiler directives and macros are not allowed in kernels (conditional compilation could hide code from this check)")
            case .punctuation:
                break
            }
        }
        return violations.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    private func checkImport(
        _ tokens: [SwiftLexer.Token], after index: Int, _ token: SwiftLexer.Token,
        _ refuse: (SwiftLexer.Token, String, String) -> Void
    ) {
        var i = index + 1
        var path: [String] = []
        var kind: String?
        if i < tokens.count, case .identifier(let word, false) = tokens[i].kind,
            ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"].contains(word)
        {
            kind = word
            i += 1
        }
        while i < tokens.count, case .identifier(let part, _) = tokens[i].kind {
            path.append(part)
            i += 1
            guard i < tokens.count, tokens[i].kind == .punctuation("."), tokens[i].line == token.line else { break }
            i += 1
        }
        let written = "import " + (kind.map { $0 + " " } ?? "") + path.joined(separator: ".")
        if kind != nil || path.count != 1 || !allowedImports.contains(path[0]) {
            refuse(token, "imports", "only \(allowedImports.sorted().map { "`import \($0)`" }.joined(separator: ", ")) is allowed (found `\(written)`): a kernel reaches data, compute and the outside world only through TRMKit")
        }
    }

    /// The refusal as one artifact: a headline and one line per violation (at most 20).
    public static func describe(_ violations: [Violation]) -> String {
        var lines = ["refused before compiling: \(violations.count) use\(violations.count == 1 ? "" : "s") of what kernels may not use (docs/candidate-protocol.md, \"What a kernel may do\")"]
        lines += violations.prefix(20).map(\.description)
        if violations.count > 20 { lines.append("… and \(violations.count - 20) more") }
        return lines.joined(separator: "\n")
    }
}

extension SourcePolicy {
    /// The artifact that refuses `sources` (Swift files, named by their last path component), or nil
    /// when they pass.
    public func refusal(sources: [URL]) throws -> String? {
        var violations: [Violation] = []
        for url in sources {
            let data = try Data(contentsOf: url)
            guard let text = String(data: data, encoding: .utf8) else {
                violations.append(Violation(
                    file: url.lastPathComponent, line: 1, column: 1, rule: "characters", message: "the file is not valid UTF-8"))
                continue
            }
            violations += check(file: url.lastPathComponent, source: text)
        }
        return violations.isEmpty ? nil : Self.describe(violations)
    }
}
