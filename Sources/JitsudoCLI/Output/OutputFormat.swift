import ArgumentParser

/// The global `-o, --output` format. `csv` is accepted only by `audit` (checked by the command).
enum OutputFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    case table, json, yaml, csv

    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    /// Whether the format prints machine-readable rows (json, yaml or csv).
    var isStructured: Bool { self != .table }
}
