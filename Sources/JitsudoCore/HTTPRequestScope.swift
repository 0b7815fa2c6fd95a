/// The API call (its `X-Request-Id`) a piece of work runs for. The API's edge binds it for the duration of each call,
/// so the audit log can record which call made each event — a refused call is then tied to its audit row — without
/// every layer between the route and the append passing it along. Outside an API call (leader work) it is nil.
public enum HTTPRequestScope {
    @TaskLocal public static var requestID: String?
}

extension AuditDraft {
    /// The details member naming the API call an event was written in.
    public static let httpRequestIDKey = "http_request_id"
    /// `"http_request_id":`, as it starts the member in the details' JSON text.
    static let httpRequestIDMemberName = AuditDetails.quote(httpRequestIDKey) + ":"

    /// This draft with `http_request_id` added to its details when `requestID` is given. Details kept verbatim (an MCP
    /// reasoning object, stored as received) and details that already name a call are left as they are.
    public func stamped(httpRequestID requestID: String?) -> AuditDraft {
        guard let requestID, !detailsVerbatim, detailsJSON.utf8.first == UInt8(ascii: "{"),
            detailsJSON.utf8.firstRange(of: Self.httpRequestIDMemberName.utf8) == nil
        else { return self }
        var stamped = self
        let member = Self.httpRequestIDMemberName + AuditDetails.quote(requestID)
        stamped.detailsJSON = detailsJSON == "{}" ? "{" + member + "}" : "{" + member + "," + detailsJSON.dropFirst()
        return stamped
    }
}
