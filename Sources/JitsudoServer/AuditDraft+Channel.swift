import JitsudoCore

extension AuditDraft {
    /// This draft with `"via": channel` as the first member of its details (the rest kept byte for byte, so what
    /// the workflow wrote is unchanged; the hash covers the text as stored).
    func marked(via channel: String) -> AuditDraft {
        var copy = self
        let member = "\"via\":" + AuditDetails.quote(channel)
        let body = detailsJSON.dropFirst()
        guard detailsJSON.hasPrefix("{"), !body.hasPrefix("\"via\":") else { return copy }
        copy.detailsJSON = body == "}" ? "{\(member)}" : "{\(member),\(body)"
        return copy
    }
}
