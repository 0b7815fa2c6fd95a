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
    private static let httpRequestIDMemberBytes = Array(httpRequestIDMemberName.utf8)

    /// Whether `details` holds `"http_request_id":` anywhere: a byte scan (the standard library's generic collection
    /// search cost more than the rest of the stamping in `make bench`'s profile).
    static func namesACall(_ details: String) -> Bool {
        let needle = httpRequestIDMemberBytes
        var text = details
        return text.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                var matched = 1
                while matched < needle.count && bytes[start + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            return false
        }
    }

    /// This draft with `http_request_id` added to its details when `requestID` is given. Details kept verbatim (an MCP
    /// reasoning object, stored as received) and details that already name a call are left as they are.
    public func stamped(httpRequestID requestID: String?) -> AuditDraft {
        guard let requestID, !detailsVerbatim, detailsJSON.utf8.first == UInt8(ascii: "{"), !Self.namesACall(detailsJSON) else { return self }
        var stamped = self
        let member = Self.httpRequestIDMemberName + AuditDetails.quote(requestID)
        stamped.detailsJSON = detailsJSON == "{}" ? "{" + member + "}" : "{" + member + "," + detailsJSON.dropFirst()
        return stamped
    }
}
