extension BuiltinRegistry {
    static func registerRegex(_ add: Adder) {}
}
