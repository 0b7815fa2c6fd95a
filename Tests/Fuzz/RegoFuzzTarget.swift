// libFuzzer target: the Rego lexer, parser, compiler and evaluator, with the step and time budgets on.
// Compiled together with Sources/Rego by scripts/libfuzzer.sh (swiftc -sanitize=fuzzer,address); not a package target.
// Input: Rego source, then optionally a NUL byte and the input document as JSON.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func regoFuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let source = String(decoding: bytes[..<split], as: UTF8.self)
    let inputText = split < bytes.count ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : "{}"
    let options = EvaluationOptions(stepBudget: 20_000, timeout: .milliseconds(100))
    do {
        let policies = try RegoCompiler.compile([RegoModule(name: "fuzz.rego", source: source)])
        let input = try? RegoValue(jsonText: inputText, maxDepth: 64)
        let query = try policies.prepare(query: "data")
        _ = try? query.evaluate(input: input, options: options)
    } catch {
        // Refusing bad Rego with an error is correct; only a crash, a leak or a hang is a finding.
    }
    return 0
}
