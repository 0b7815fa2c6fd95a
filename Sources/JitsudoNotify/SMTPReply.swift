import NIOCore

/// One SMTP reply: a three-digit code and its text lines (several for `250-…` continuations).
struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    var code: Int
    var lines: [String]

    /// `250 2.0.0 OK`, the lines joined with ` / `, at most 300 characters.
    var description: String { String("\(code) \(lines.joined(separator: " / "))".prefix(300)) }

    var isPositive: Bool { (200..<400).contains(code) }
}

/// Splits the byte stream from an SMTP server into replies (RFC 5321 §4.2): lines `ddd-text` continue, a line
/// `ddd text` (or just `ddd`) ends the reply. A line that is not of that form is a protocol violation.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// Lines longer than this are refused (RFC 5321 allows 512).
    static let maximumLineLength = 4096

    private var pending: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength {
                throw NotifyError(.protocolViolation, "smtp: the server sent a line longer than \(Self.maximumLineLength) bytes")
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else {
            throw NotifyError(.protocolViolation, "smtp: the server sent a malformed reply line: \(line.prefix(100))")
        }
        let code = Int(String(decoding: bytes[0...2], as: UTF8.self)) ?? 0
        pending.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
            let reply = SMTPReply(code: code, lines: pending)
            pending = []
            context.fireChannelRead(Self.wrapInboundOut(reply))
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
