import FakeletKit
import Testing

/// The fakelet's pure parsing, testable now that its logic is a library: `--run-image` mappings and the kubelet's
/// container-log paths that `kubectl logs` is proxied to.
@Suite struct FakeletParsingTests {
    @Test func runImageMappingsNeedASubstringAndABinary() {
        #expect(
            ProcessPodRuntime.ImageMapping(argument: "jitsudod=.build/debug/jitsudod")
                == .init(imageSubstring: "jitsudod", binary: ".build/debug/jitsudod"))
        #expect(ProcessPodRuntime.ImageMapping(argument: "a=b=c")?.binary == "b=c", "only the first = separates")
        for bad in ["jitsudod", "=bin", "image=", ""] { #expect(ProcessPodRuntime.ImageMapping(argument: bad) == nil, "\(bad)") }
    }

    @Test func containerLogPathsAreParsedAndOthersRefused() throws {
        let request = try #require(KubeletEndpoint.LogRequest(uri: "/containerLogs/jitsudo/jitsudod-1/jitsudod?previous=true&tailLines=20"))
        #expect(request.namespace == "jitsudo" && request.pod == "jitsudod-1" && request.container == "jitsudod")
        #expect(request.previous && request.tailLines == 20)
        let plain = try #require(KubeletEndpoint.LogRequest(uri: "/containerLogs/ns/p%2Dx/c"))
        #expect(plain.pod == "p-x" && !plain.previous && plain.tailLines == nil)
        for other in ["/healthz", "/containerLogs/ns/pod", "/containerLogs/ns/pod/c/extra", "/exec/ns/pod/c"] {
            #expect(KubeletEndpoint.LogRequest(uri: other) == nil, "\(other)")
        }
    }
}
