extension Migration {
    /// An index for the oldest `PENDING` request. The leader asks for it on every look at its schedule (the pending
    /// TTL's next end, `RequestRepository.nextDue`) and for the past-half-TTL gauge; with only `requests_state_idx` and
    /// `requests_created_idx` the planner walked `requests_created_idx` backwards through every request ever made,
    /// filtering for `PENDING` (4 ms at 8,781 requests, growing with the table: `make bench`'s profile). The partial
    /// index holds only the pending requests, so both questions cost one index probe whatever the table's size.
    static let pendingCreatedIndex = Migration(
        version: 10,
        name: "0010_requests_pending_created_index.sql",
        statements: [
            "CREATE INDEX requests_pending_created_idx ON requests (created_at) WHERE state = 'PENDING'"
        ]
    )
}
