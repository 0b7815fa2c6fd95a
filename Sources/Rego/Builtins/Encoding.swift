extension BuiltinRegistry {
    static func registerEncoding(_ add: Adder) {}
}
