// libFuzzer target: the YAML files jitsudo reads. jitsudod's settings file (ConfigurationFile: YAML into flat
// `section.key` values) and a kubeconfig (KubernetesConfiguration, as jitsudod's kubernetes provider, the operator
// and the CLI load one), both through CheckedYAML, Yams and libyaml. Checked beyond "does not crash": a settings file
// either is refused with a ConfigurationError or yields only non-empty keys, and a kubeconfig that loads names a
// server URL with a scheme (relative file references resolve in an empty directory). Compiled with those sources by
// scripts/libfuzzer.sh (linked against the release build's CheckedYAML and Yams); not a package target.
import Foundation

private let emptyDirectory: String = {
    let path = NSTemporaryDirectory() + "jitsudo-config-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func configFuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    do {
        let values = try ConfigurationFile.values(yaml: text)
        if values.keys.contains("") { fatalError("a settings file produced an empty key") }
    } catch {
        // Refused with a ConfigurationError naming the key: what startup reports.
    }
    if let configuration = try? KubernetesConfiguration.fromKubeconfig(text: text, directory: emptyDirectory) {
        guard configuration.server.scheme != nil else { fatalError("a kubeconfig loaded with server \(configuration.server)") }
    }
    return 0
}
