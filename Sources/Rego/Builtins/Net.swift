extension BuiltinRegistry {
    static func registerNet(_ add: Adder) {}
}
