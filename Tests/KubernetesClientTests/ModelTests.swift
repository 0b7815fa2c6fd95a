import Foundation
import KubernetesClient
import Testing

@Suite struct ModelTests {
    @Test func resourcePathsFollowTheAPILayout() {
        #expect(ResourceType.pods.path(namespace: "a", name: "p", subresource: "status") == "/api/v1/namespaces/a/pods/p/status")
        #expect(ResourceType.deployments.path(namespace: nil) == "/apis/apps/v1/deployments")
        #expect(ResourceType.clusterRoleBindings.path(namespace: "ignored", name: "b") == "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/b")
        #expect(ResourceType.leases.apiVersion == "coordination.k8s.io/v1" && ResourceType.secrets.apiVersion == "v1")
    }

    @Test func timesRoundTripWithMicrosecondsAndParseWithout() throws {
        let date = Date(timeIntervalSince1970: 1_714_564_800.123456)
        let text = KubernetesTime.format(date)
        #expect(text == "2024-05-01T12:00:00.123456Z")
        #expect(abs(try #require(KubernetesTime.parse(text)).timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001)
        #expect(KubernetesTime.parse("2024-05-01T12:00:00Z")?.timeIntervalSince1970 == 1_714_564_800)
        #expect(KubernetesTime.parse("yesterday") == nil)
        let parsed = try #require(KubernetesTime.parse("2024-05-01T12:00:00.654321+02:00"))
        #expect(abs(parsed.timeIntervalSince1970 - (1_714_564_800 - 7200 + 0.654321)) < 0.000_001)
    }

    @Test func podSpecsKeepMembersTheModelDoesNotName() throws {
        let json =
            #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}],"volumes":[{"name":"v","emptyDir":{}}],"nodeName":"n"}}"#
        var pod = try JSONDecoder.kubernetes.decode(Pod.self, from: Data(json.utf8))
        #expect(pod.spec?.nodeName == "n" && pod.spec?.containers.first?.image == "i")
        pod.spec?.nodeName = "m"
        let encoded = try JSONValue(encoding: pod)
        #expect(encoded["spec"]?["volumes"]?.arrayValue?.count == 1)
        #expect(encoded["spec"]?["nodeName"] == "m")
    }

    @Test func genericResourcesKeepTheirBodyAndWholeNumbersStayIntegers() throws {
        let json = #"{"apiVersion":"x.dev/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":3,"ratio":0.5},"status":{"phase":"Ready"}}"#
        let widget = try JSONDecoder.kubernetes.decode(GenericResource.self, from: Data(json.utf8))
        #expect(widget.spec?["size"]?.intValue == 3 && widget.status?["phase"]?.stringValue == "Ready")
        let text = String(decoding: try JSONEncoder.kubernetes.encode(widget), as: UTF8.self)
        #expect(text.contains(#""size":3"#) && text.contains(#""ratio":0.5"#) && text.contains(#""kind":"Widget""#))
    }

    @Test func errorsCompareByCode() {
        #expect(KubernetesError(.conflict, "a") == KubernetesError(.conflict, "b"))
        #expect(KubernetesError(.conflict, "a") != KubernetesError(.alreadyExists, "a"))
    }
}
