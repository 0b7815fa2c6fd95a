extension BuiltinRegistry {
    static func registerUnits(_ add: Adder) {}
}
