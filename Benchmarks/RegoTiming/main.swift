// Median µs per decision for the benchmark policies (release build, fixed now, 256 varied inputs).
//   cd Benchmarks && swift run -c release RegoTiming
import BenchmarkPolicies
import Foundation
import Rego

let policies = try RegoCompiler.compile([
    RegoModule(name: "eligibility.rego", source: BenchmarkPolicies.eligibility),
    RegoModule(name: "approval.rego", source: BenchmarkPolicies.approval),
])
let allow = try policies.prepare(query: "data.jitsudo.eligibility.allow")
let decision = try policies.prepare(query: "data.jitsudo.approval.decision")
let inputs = try BenchmarkPolicies.inputs(count: 256).map { try RegoValue(jsonText: $0) }
let options = EvaluationOptions(now: 1_773_828_000_000_000_000)

func measure(_ name: String, _ q: PreparedQuery) throws {
    var samples: [Double] = []
    var allowed = 0
    for round in 0..<200 {
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<256 {
            if let v = try q.evaluateValue(input: inputs[i], options: options), v != .bool(false) { allowed += 1 }
        }
        let end = DispatchTime.now().uptimeNanoseconds
        if round >= 20 { samples.append(Double(end - start) / 256.0 / 1000.0) }
    }
    samples.sort()
    print(String(format: "%@: median %.2f µs/decision, p90 %.2f µs (defined results per round: %d)", name, samples[samples.count / 2],
                 samples[samples.count * 9 / 10], allowed / 200))
}
try measure("eligibility allow", allow)
try measure("approval decision", decision)
