import Foundation
import JitsudoAPI

/// Table forms of requests (`cli.md` §3.1).
enum RequestPrinter {
    /// `status <id>`: labelled lines.
    static func detail(_ request: WireRequest, color: Bool) -> String {
        var lines = [
            "ID:        \(request.id)",
            "State:     \(Console.state(request.shortState, color: color))",
            "Requester: \(request.requesterIdentity)",
            "Provider:  \(request.provider)",
            "Role:      \(request.role)",
            "Scope:     \(request.resourceScope)",
            "Duration:  \(GrantDurationBridge.goStyle(Int64(request.durationSeconds) ?? 0))",
            "Reason:    \(request.reason)",
        ]
        if request.breakGlass { lines.append("Break-glass: true") }
        if !request.approverIdentity.isEmpty { lines.append("Approver:  \(request.approverIdentity)") }
        if !request.approverComment.isEmpty { lines.append("Comment:   \(request.approverComment)") }
        if let expires = request.expiresAt { lines.append("Expires:   \(expires)") }
        return lines.joined(separator: "\n")
    }

    /// `status`: columns ID, STATE, REQUESTER, REASON.
    static func list(_ requests: [WireRequest], color: Bool) -> String {
        guard !requests.isEmpty else { return "No requests found." }
        let rows = requests.map { [$0.id, $0.shortState, $0.requesterIdentity, $0.reason] }
        return Renderer.table(["ID", "STATE", "REQUESTER", "REASON"], rows) { column, cell in
            column == 1
                ? Console.state(cell.trimmingCharacters(in: .whitespaces), color: color)
                    + String(repeating: " ", count: cell.count - cell.trimmingCharacters(in: .whitespaces).count) : cell
        }
    }

    /// Prints one request per the output format, or `tableLine` for table.
    static func emit(_ request: WireRequest, global: GlobalOptions, tableLine: String) throws {
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(RequestRow(request), format: global.output)
        case .table: Console.out(tableLine)
        }
    }
}
