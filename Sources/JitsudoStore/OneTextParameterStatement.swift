import PostgresNIO

/// A prepared statement whose one parameter (`$1`) is a text value: a request's id, a principal's identity.
protocol OneTextParameterStatement: PostgresPreparedStatement {
    /// The value bound to `$1`.
    var parameter: String { get }
}

extension OneTextParameterStatement {
    static var bindingDataTypes: [PostgresDataType] { [.text] }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(parameter)
        return bindings
    }
}
