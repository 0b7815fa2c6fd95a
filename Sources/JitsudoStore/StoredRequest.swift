public import JitsudoCore

/// A request as the statement that wrote or locked it returned it, with the row's version: `xmin`, the transaction
/// that wrote this version of the row. Any later write to the row is another transaction and changes it, so a write
/// that requires this version (``RequestRepository/transition(_:fence:from:_:)``) happens only on exactly this row.
public struct StoredRequest: Sendable, Hashable {
    public var request: ElevationRequest
    public var version: Int64

    public init(request: ElevationRequest, version: Int64) {
        self.request = request
        self.version = version
    }
}
