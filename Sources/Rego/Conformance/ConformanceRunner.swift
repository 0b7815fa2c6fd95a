import Foundation

/// Runs conformance cases with the README's rules; shared by `rego-conformance` and the tests.
public enum ConformanceRunner {
    /// Outcome of one case.
    public struct Outcome: Sendable {
        /// The case.
        public let testCase: ConformanceCase
        /// Whether it passed.
        public let passed: Bool
        /// Explanation when it failed.
        public let detail: String
        /// `category/name` key used in the known-failures file.
        public var key: String {
            testCase.name.hasPrefix(testCase.category + "/") ? testCase.name : "\(testCase.category)/\(testCase.name)"
        }
    }

    /// Loads every `*.jsonl` file under `directory` (sorted by file name).
    public static func loadCases(directory: String) throws -> [ConformanceCase] {
        let fm = FileManager.default
        guard let files = try? fm.contentsOfDirectory(atPath: directory) else {
            throw RegoError(code: .internalError, message: "conformance directory \(directory) not found")
        }
        var cases: [ConformanceCase] = []
        for file in files.sorted() where file.hasSuffix(".jsonl") {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                cases.append(try ConformanceCase(jsonLine: String(line)))
            }
        }
        return cases
    }

    /// Parses a known-failures file: `category/name<TAB>reason` per line; `#` comments allowed.
    public static func loadKnownFailures(path: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            out[String(parts[0])] = String(parts[1])
        }
        return out
    }

    /// Runs one case in a fresh engine.
    public static func run(_ c: ConformanceCase, extraBuiltins: [Builtin] = []) -> Outcome {
        let modules = c.modules.enumerated().map { RegoModule(name: "test-\($0.offset).rego", source: $0.element) }
        let expectError = c.wantErrorCode != nil || c.wantError != nil
        do {
            let policies = try RegoCompiler.compile(modules, options: .init(extraBuiltins: extraBuiltins))
            var input = c.input
            if let term = c.inputTerm {
                input = try termValue(term)
            }
            let q = try policies.prepare(query: c.query)
            let options = EvaluationOptions(strictBuiltinErrors: c.strict, timeout: .seconds(10), extraBuiltins: extraBuiltins)
            let rows = try q.evaluate(input: input, data: c.data, options: options)
            if expectError {
                return Outcome(
                    testCase: c, passed: false, detail: "expected error \(c.wantErrorCode ?? "") \(c.wantError ?? ""), got \(rows.count) rows")
            }
            let want = c.wantResult ?? []
            let actual = Set(rows.map { normalizeRow($0, sort: c.sortBindings) })
            var expected = Set<RegoValue>()
            for w in want {
                guard case .object(let o) = w else { continue }
                var row: [String: RegoValue] = [:]
                for (k, v) in o.storage { if case .string(let ks) = k { row[ks] = v } }
                expected.insert(normalizeRow(row, sort: c.sortBindings))
            }
            if actual == expected { return Outcome(testCase: c, passed: true, detail: "") }
            let got = actual.sorted().map(\.jsonText).joined(separator: ", ")
            let exp = expected.sorted().map(\.jsonText).joined(separator: ", ")
            return Outcome(testCase: c, passed: false, detail: "rows differ\n  want: [\(exp)]\n  got:  [\(got)]")
        } catch let e as RegoError {
            guard expectError else { return Outcome(testCase: c, passed: false, detail: "unexpected error: \(e.description)") }
            if let code = c.wantErrorCode, code != e.code.rawValue {
                return Outcome(testCase: c, passed: false, detail: "want code \(code), got \(e.description)")
            }
            if let text = c.wantError, !e.description.contains(text) {
                return Outcome(testCase: c, passed: false, detail: "want error containing \(text), got \(e.description)")
            }
            return Outcome(testCase: c, passed: true, detail: "")
        } catch {
            return Outcome(testCase: c, passed: false, detail: "unexpected error: \(error)")
        }
    }

    static func termValue(_ term: String) throws -> RegoValue? {
        let q = try RegoCompiler.compile([]).prepare(query: "x := " + term)
        return try q.evaluate(input: nil).first?["x"]
    }

    static func normalizeRow(_ row: [String: RegoValue], sort: Bool) -> RegoValue {
        var o = RegoObject()
        for (k, v) in row {
            var n = normalize(v)
            if sort, case .array(let a) = n { n = .array(a.sorted()) }
            o[.string(k)] = n
        }
        return .object(o)
    }

    /// Sets become sorted arrays, recursively, so they compare with the expected JSON.
    static func normalize(_ v: RegoValue) -> RegoValue {
        switch v {
        case .set(let s): return .array(s.storage.map(normalize).sorted())
        case .array(let a): return .array(a.map(normalize))
        case .object(let o):
            var out = RegoObject()
            for (k, x) in o.storage {
                if case .string = k { out[k] = normalize(x) } else { out[.string(k.jsonText)] = normalize(x) }
            }
            return .object(out)
        default: return v
        }
    }
}
