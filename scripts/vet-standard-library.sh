#!/usr/bin/env bash
# Writes Sources/Evaluators/Candidate/Policy/VettedStandardLibrary.swift: the standard-library declarations
# a kernel may reference, by USR, for ResolvedPolicy (docs/candidate-protocol.md, "What a kernel may do").
# The list is derived from the standard library's symbol graph by the review rules below (types and
# protocols of numbers, collections and text; nothing whose signature mentions raw memory, identity,
# reflection, concurrency or clocks; nothing underscored), plus the few declarations the compiler inserts
# for literals, array literals and force-unwraps. Re-run it after changing the rules or the toolchain, and
# review the diff: every added line is something kernels may call.
#
#   scripts/vet-standard-library.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/Sources/Evaluators/Candidate/Policy/VettedStandardLibrary.swift"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# swiftc's driver leaves an empty TemporaryDirectory.XXXXXX in $TMPDIR; these go with $work.
export TMPDIR="$work"
version="$(swiftc --version 2>/dev/null | head -1)"
swift-symbolgraph-extract -module-name Swift -target "$(swiftc -print-target-info | python3 -c 'import json,sys; print(json.load(sys.stdin)["target"]["triple"])')" \
  -output-dir "$work" -minimum-access-level public >/dev/null
python3 - "$work/Swift.symbols.json" "$version" "$out" <<'PY'
import json, sys, re
graph = json.load(open(sys.argv[1]))
# Types whose public members a kernel may use (numbers, collections of numbers, text for reports).
TYPES = set("""Int Int8 Int16 Int32 Int64 UInt UInt8 UInt16 UInt32 UInt64 Float Double Bool
Array ArraySlice ContiguousArray Range ClosedRange Optional Dictionary Set String Substring Character
StrideTo StrideThrough StrideToIterator StrideThroughIterator IndexingIterator EnumeratedSequence
Zip2Sequence ReversedCollection Repeated Slice DefaultIndices Never DefaultStringInterpolation
CollectionOfOne EmptyCollection FlattenSequence JoinedSequence LazySequence LazyMapSequence
LazyFilterSequence PartialRangeFrom PartialRangeUpTo PartialRangeThrough UnboundedRange Result Hasher""".split())
# Protocols whose requirements and extension members a kernel may use.
PROTOCOLS = set("""Sequence Collection BidirectionalCollection RandomAccessCollection MutableCollection
RangeReplaceableCollection IteratorProtocol Equatable Comparable Hashable Numeric AdditiveArithmetic
SignedNumeric BinaryInteger SignedInteger UnsignedInteger FixedWidthInteger FloatingPoint
BinaryFloatingPoint Strideable RangeExpression CustomStringConvertible LosslessStringConvertible
CustomDebugStringConvertible ExpressibleByIntegerLiteral ExpressibleByFloatLiteral ExpressibleByBooleanLiteral
ExpressibleByStringLiteral ExpressibleByArrayLiteral ExpressibleByDictionaryLiteral ExpressibleByNilLiteral
ExpressibleByStringInterpolation ExpressibleByUnicodeScalarLiteral ExpressibleByExtendedGraphemeClusterLiteral
StringInterpolationProtocol StringProtocol CaseIterable RawRepresentable Error Sendable Copyable Escapable
BitwiseCopyable LazySequenceProtocol LazyCollectionProtocol SetAlgebra TextOutputStream TextOutputStreamable
RandomNumberGenerator""".split())
# Free functions and operators a kernel may call.
FUNCTIONS = set("""min max abs zip stride precondition preconditionFailure assert assertionFailure fatalError
print repeatElement swap sequence numericCast""".split())
# A declaration is refused when its signature mentions any of these (raw memory, identity, reflection,
# concurrency, clocks, C interop) or its name is underscored or names a raw-memory route.
DENY_TYPES = re.compile(r"^(Unsafe|AutoreleasingUnsafe|OpaquePointer|Unmanaged|CVarArg|CVaListPointer|Builtin|ObjectIdentifier|AnyObject|AnyClass|Mirror|CustomReflectable|ManagedBuffer|MemoryLayout|Task|Duration|Clock|ContinuousClock|SuspendingClock|Executor|Actor|SystemRandomNumberGenerator|UnsafeRawPointer|Atomic|Mutex|Span|MutableSpan|RawSpan|MutableRawSpan|OutputSpan|OutputRawSpan|UTF8Span|InlineArray|KeyPath|AnyKeyPath|PartialKeyPath|WritableKeyPath|ReferenceWritableKeyPath|_)")
DENY_NAMES = re.compile(r"^(_|withUnsafe|withContiguous|withUTF8|withCString|unsafe|utf8Start|customMirror|withVaList|getVaList|withExtendedLifetime|withoutActuallyEscaping|span|mutableSpan|bytes|utf8Span|_)")
vetted = {}
for s in graph["symbols"]:
    path = s["pathComponents"]
    usr = s["identifier"]["precise"].split("::SYNTHESIZED::")[0]
    kind = s["kind"]["identifier"]
    if kind in ("swift.macro",) or s.get("accessLevel") != "public": continue
    if any(p.startswith("_") for p in path): continue
    name = path[-1]
    if DENY_NAMES.match(name): continue
    # The unseeded random values, shuffles and picks draw from the system generator: a kernel's run would
    # differ between two evaluations with the same training seed. Kernels use TRMKit's seeded generator.
    if re.match(r"(random|shuffle|shuffled|randomElement)\(", name) and "using" not in name: continue
    owner = path[0]
    ok = (len(path) > 1 and (owner in TYPES or owner in PROTOCOLS)) or (len(path) == 1 and (name.split("(")[0] in FUNCTIONS or kind == "swift.func.op" or owner in TYPES or owner in PROTOCOLS))
    if not ok: continue
    frags = s.get("declarationFragments", [])
    if any(f.get("kind") == "typeIdentifier" and DENY_TYPES.match(f["spelling"]) for f in frags): continue
    if any(f.get("kind") == "attribute" and f["spelling"].startswith("@_") for f in frags): continue
    text = "".join(f["spelling"] for f in frags)
    if "async" in text.split() or " async " in text or "@convention" in text or "isolated" in text: continue
    # Free operators: only those over vetted types (their USR names Swift's own module).
    if len(path) == 1 and kind == "swift.func.op" and not usr.startswith("s:s"): pass
    vetted.setdefault(usr, ".".join(path))
# Generated by the compiler for literals, `for-in`, array literals and interpolation; the kernel never
# names them, and each takes or returns only the literal's own type.
for usr, name in [
    ("s:Si22_builtinIntegerLiteralSiBI_tcfc", "Int.init(_builtinIntegerLiteral:)"),
    ("s:Sf22_builtinIntegerLiteralSfBI_tcfc", "Float.init(_builtinIntegerLiteral:)"),
    ("s:Sd22_builtinIntegerLiteralSdBI_tcfc", "Double.init(_builtinIntegerLiteral:)"),
    ("s:Sf20_builtinFloatLiteralSfBf80__tcfc", "Float.init(_builtinFloatLiteral:)"),
    ("s:Sd20_builtinFloatLiteralSdBf80__tcfc", "Double.init(_builtinFloatLiteral:)"),
    ("s:Sb22_builtinBooleanLiteralSbBi1__tcfc", "Bool.init(_builtinBooleanLiteral:)"),
    ("s:SS21_builtinStringLiteral17utf8CodeUnitCount7isASCIISSBp_BwBi1_tcfc", "String.init(_builtinStringLiteral:utf8CodeUnitCount:isASCII:)"),
    ("s:s12StaticStringV08_builtinB7Literal17utf8CodeUnitCount7isASCIIABBp_BwBi1_tcfc", "StaticString.init(_builtinStringLiteral:utf8CodeUnitCount:isASCII:)"),
    ("s:s5UInt8V22_builtinIntegerLiteralABBI_tcfc", "UInt8.init(_builtinIntegerLiteral:)"),
    ("s:s6UInt64V22_builtinIntegerLiteralABBI_tcfc", "UInt64.init(_builtinIntegerLiteral:)"),
    ("s:s5Int32V22_builtinIntegerLiteralABBI_tcfc", "Int32.init(_builtinIntegerLiteral:)"),
    ("s:s6UInt32V22_builtinIntegerLiteralABBI_tcfc", "UInt32.init(_builtinIntegerLiteral:)"),
    ("s:s5Int64V22_builtinIntegerLiteralABBI_tcfc", "Int64.init(_builtinIntegerLiteral:)"),
    ("s:Su22_builtinIntegerLiteralSuBI_tcfc", "UInt.init(_builtinIntegerLiteral:)"),
    # What a synthesized Hashable conformance calls.
    ("s:s10_hashValue3forSix_tSHRzlF", "_hashValue(for:)"),
    ("s:SHsE13_rawHashValue4seedS2i_tF", "Hashable._rawHashValue(seed:)"),
    ("s:SYsSHRzSH8RawValueSYRpzrlE08_rawHashB04seedS2i_tF", "RawRepresentable._rawHashValue(seed:)"),
]:
    vetted[usr] = name

# Emitted by SILGen for array literals, force-unwraps and key-path reads; admitted only in the SIL pass.
SIL_IMPLICIT = [
    ("$ss27_allocateUninitializedArrayySayxG_BptBwlF", "_allocateUninitializedArray(_:)"),
    ("$ss27_finalizeUninitializedArrayySayxGABnlF", "_finalizeUninitializedArray(_:)"),
    ("$ss30_diagnoseUnexpectedNilOptional14_filenameStart01_E6Length01_E7IsASCII5_line17_isImplicitUnwrapyBp_BwBi1_BwBi1_tF", "_diagnoseUnexpectedNilOptional"),
    ("swift_getAtKeyPath", "key-path read"),
]
version, path = sys.argv[2], sys.argv[3]
lines = ["// Generated by scripts/vet-standard-library.sh from the standard library's symbol graph of",
         "// " + version + ". Do not edit: change the script's review rules and re-run it.",
         "",
         "/// The standard-library declarations a kernel may reference (USR, then the declaration's path), the",
         "/// protocols whose requirements it may call generically, and the symbols SILGen inserts on its own.",
         "enum VettedStandardLibrary {",
         "    /// The compiler whose standard library this list was derived from.",
         "    static let compilerVersion = " + json.dumps(version),
         "    static let protocols: Set<String> = [" + ", ".join(json.dumps(p) for p in sorted(PROTOCOLS)) + "]",
         "    static let silImplicit: Set<String> = [" + ", ".join(json.dumps(s) for s, _ in SIL_IMPLICIT) + "]",
         "    static let table = #\"\"\""]
for usr in sorted(vetted):
    lines.append(usr + "\t" + vetted[usr])
lines += ["\"\"\"#", "}", ""]
open(path, "w").write("\n".join(lines))
print(f"{len(vetted)} declarations vetted -> {path}")
PY
