import Benchmark
import BenchmarkPolicies
import Rego

let benchmarks: @Sendable () -> Void = {
    let policies = try! RegoCompiler.compile([
        RegoModule(name: "eligibility.rego", source: BenchmarkPolicies.eligibility),
        RegoModule(name: "approval.rego", source: BenchmarkPolicies.approval),
    ])
    let allow = try! policies.prepare(query: "data.jitsudo.eligibility.allow")
    let decision = try! policies.prepare(query: "data.jitsudo.approval.decision")
    let inputs = BenchmarkPolicies.inputs(count: 256).map { try! RegoValue(jsonText: $0) }
    // Wednesday 2026-03-18 10:00 UTC.
    let options = EvaluationOptions(now: 1_773_828_000_000_000_000)

    Benchmark("eligibility decision", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput])) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try allow.evaluateValue(input: inputs[i % inputs.count], options: options))
        }
    }

    Benchmark("approval decision", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput])) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try decision.evaluateValue(input: inputs[i % inputs.count], options: options))
        }
    }
}
