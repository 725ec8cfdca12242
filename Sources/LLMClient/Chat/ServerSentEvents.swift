/// A server-sent-event stream split into events, parsed on bytes. Lines end at `\n`, `\r\n` or a bare
/// `\r`: decoded to Swift text, `"\r\n"` is one `Character`, so splitting text on `"\n"` never splits a
/// CRLF-framed stream (`\r\n` is sse-starlette's default separator).
package struct ServerSentEvents {
    /// One dispatched event: its `event:` name, if any, and its `data:` lines.
    package struct Event: Sendable, Equatable {
        package var name: String?
        package var dataLines: [String]
        /// The data lines joined by `\n`, as the SSE specification assembles them.
        package var data: String { dataLines.joined(separator: "\n") }
    }

    package private(set) var events: [Event] = []

    /// Events end at a blank line. Comment lines (`: ping`, the keep-alives some servers send) and the
    /// `id:`/`retry:` fields are ignored; an event still open when the bytes end is kept, so a stream
    /// cut short still shows what arrived (the caller checks for its end marker).
    package init(_ bytes: [UInt8]) {
        var name: String?
        var data: [String] = []
        func dispatch() {
            if !data.isEmpty { events.append(Event(name: name, dataLines: data)) }
            name = nil
            data = []
        }
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // a UTF-8 byte-order mark
        var index = start
        while index <= bytes.count {
            let atEnd = index == bytes.count
            guard atEnd || bytes[index] == 0x0A || bytes[index] == 0x0D else { index += 1; continue }
            let line = bytes[start..<index]
            if !atEnd, bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            index += 1
            start = index
            if line.isEmpty {
                if !atEnd { dispatch() }
                continue
            }
            if line.first == UInt8(ascii: ":") { continue }
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            let field = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            var valueStart = colon < line.endIndex ? colon + 1 : colon
            if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
            let value = String(decoding: line[valueStart..<line.endIndex], as: UTF8.self)
            switch field {
            case "data": data.append(value)
            case "event": name = value
            default: break
            }
        }
        dispatch()
    }
}
