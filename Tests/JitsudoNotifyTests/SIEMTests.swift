import Foundation
import JitsudoNotify
import Testing

@Suite struct SIEMTests {
    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG` with the fields this configuration must produce.
    func checkRFC5424(_ text: String, pri: Int, event: String, requestID: String) throws {
        let pattern = #"^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (\S+) (\S+) (\d+) (\S+) (\[[^\]]*\]) \x{FEFF}(.+)$"#
        let regex = try Regex(pattern)
        let match = try #require(try regex.wholeMatch(in: text), "not RFC 5424: \(text)")
        #expect(match.output[1].substring.map(String.init) == String(pri))
        #expect(match.output[2].substring.map(String.init) == "2026-11-29T05:00:00.250000Z")
        #expect(match.output[3].substring.map(String.init) == "collector-test")
        #expect(match.output[4].substring.map(String.init) == "jitsudo")
        #expect(match.output[5].substring.map(String.init) == String(ProcessInfo.processInfo.processIdentifier))
        #expect(match.output[6].substring.map(String.init) == event)
        #expect(match.output[7].substring.map(String.init)?.contains("request_id=\"\(requestID)\"") == true)
        #expect(!text.contains("must-not-appear"))
    }

    @Test func syslogOverUDPSendsOneRFC5424MessagePerDatagram() async throws {
        let listener = try await SyslogListener(udp: true)
        let syslog = try SyslogNotifier(configuration: .init(host: "127.0.0.1", port: listener.port, transport: .udp, hostname: "collector-test"))
        try await syslog.send(breakGlass())
        try await syslog.send(created(3))
        #expect(await eventually { listener.received.count == 2 })
        await listener.stop()
        let texts = listener.received.map { String(decoding: $0, as: UTF8.self) }.sorted()
        // authpriv (10): alert (1) → 81, notice (5) → 85.
        try checkRFC5424(
            try #require(texts.first { $0.hasPrefix("<81>") }), pri: 81, event: "break_glass.invoked", requestID: "req_01JBREAKGLASS0000000000000")
        try checkRFC5424(try #require(texts.first { $0.hasPrefix("<85>") }), pri: 85, event: "request.created", requestID: "req_3")
    }

    @Test func syslogOverTCPUsesOctetCountingFraming() async throws {
        let listener = try await SyslogListener(udp: false)
        let syslog = try SyslogNotifier(
            configuration: .init(host: "127.0.0.1", port: listener.port, transport: .tcp, facility: .local0, hostname: "collector-test")
        )
        try await syslog.send(breakGlass())
        #expect(await eventually { listener.received.count == 1 })
        await listener.stop()
        let bytes = try #require(listener.received.first)
        let frames = try #require(octetCountedFrames(bytes), "not octet-counted: \(String(decoding: bytes, as: UTF8.self))")
        #expect(frames.count == 1)
        // The length prefix counts octets, not characters (the BOM is 3 octets).
        let declared = Int(String(decoding: bytes.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self))
        #expect(declared == frames[0].utf8.count)
        // local0 (16) * 8 + alert (1) = 129
        try checkRFC5424(frames[0], pri: 129, event: "break_glass.invoked", requestID: "req_01JBREAKGLASS0000000000000")
    }

    @Test func syslogToAClosedTCPPortIsAConnectionError() async throws {
        // Port 1 (tcpmux) is closed on test machines; a "free" port from bind(0) could be reused by a parallel test.
        let port = 1
        let syslog = try SyslogNotifier(configuration: .init(host: "127.0.0.1", port: port, transport: .tcp))
        let error = try await #require(throws: NotifyError.self) { try await syslog.send(created()) }
        #expect(error.code == .connection)
    }

    @Test func jsonLinesAreAppendedOnePerLine() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jitsudo-siem-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "existing line\n".write(toFile: path, atomically: true, encoding: .utf8)
        let siem = try JSONLinesNotifier(configuration: .init(destination: .file(path)))
        try await siem.send(breakGlass())
        try await siem.send(created(9))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)
        #expect(lines[0] == "existing line")
        #expect(lines[3] == "")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(first["event"] as? String == "break_glass.invoked")
        #expect(first["priority"] as? String == "high")
        #expect(first["request_id"] as? String == "req_01JBREAKGLASS0000000000000")
        #expect(first["source"] as? String == "jitsudo")
        #expect((first["fields"] as? [String: String])?["role"] == "prod-admin")
        #expect(!lines[1].contains("must-not-appear"))
        #expect(String(lines[2]) == JSONLinesNotifier.line(for: created(9)))
    }

    @Test func jsonLinesToAnUnwritablePathFailWithIO() async throws {
        let siem = try JSONLinesNotifier(configuration: .init(destination: .file("/nonexistent-dir-\(UUID().uuidString)/x.jsonl")))
        let error = try await #require(throws: NotifyError.self) { try await siem.send(created()) }
        #expect(error.code == .io)
    }
}
