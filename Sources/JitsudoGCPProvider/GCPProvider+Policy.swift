import Foundation
import GoogleCloudClient
import JitsudoProviders
import Logging
import Metrics

extension GCPProvider {
    /// Read-modify-write of the IAM policy of `resource`: read (version 3), apply `edit` (pure; nil = nothing to
    /// change), write with the etag read. A stale etag (409 ABORTED) repeats the whole cycle after a jittered backoff,
    /// up to ``Configuration/policyWriteAttempts`` times. Returns the policy written, or nil when nothing changed.
    @discardableResult
    func updatePolicy(
        of resource: GCPResource, doing operation: String,
        _ edit: (IAMPolicy, Date) throws(ProviderError) -> IAMPolicy?
    ) async throws(ProviderError) -> IAMPolicy? {
        let backoff = RetryPolicy(maximumAttempts: configuration.policyWriteAttempts, baseDelay: .milliseconds(50), maximumDelay: .seconds(2))
        var attempt = 1
        while true {
            do {
                let policy = IAMPolicy(try await client.getIamPolicy(resource: resource.name))
                guard policy.etag != nil else {
                    throw ProviderError(.unavailable, "gcp \(operation): the IAM policy of \(resource) came without an etag; not writing it")
                }
                guard let edited = try edit(policy, now()) else { return nil }
                _ = try await client.setIamPolicy(resource: resource.name, policy: edited.document)
                statistics.recordWrite(resource.name)
                Counter(label: "jitsudo_gcp_policy_writes_total").increment()
                return edited
            } catch let error as GoogleCloudError where error.code == .aborted && backoff.allowsRetry(afterAttempt: attempt) {
                statistics.recordRetry()
                Counter(label: "jitsudo_gcp_policy_etag_retries_total").increment()
                logger.debug("gcp policy changed concurrently; retrying", metadata: ["gcp.resource": "\(resource)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: backoff.delay(afterAttempt: attempt, jitter: Double.random(in: 0...1)))
                attempt += 1
            } catch let error as ProviderError {
                throw error
            } catch {
                throw Self.providerError(error, doing: "\(operation) on \(resource)")
            }
        }
    }

    /// One mapping of client errors: 403 (Google's message names the missing permission) and 400/404 are refusals;
    /// everything that may pass (429, 5xx, no answer, an etag still stale after every retry, our own credentials) is
    /// `unavailable`, which leaves the request APPROVED so approving again retries.
    static func providerError(_ error: any Error, doing operation: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        guard let error = error as? GoogleCloudError else { return ProviderError(.unavailable, "gcp \(operation) failed") }
        switch error.code {
        case .permissionDenied:
            return ProviderError(.refused, "gcp \(operation) refused: \(error.message)")
        case .invalidArgument, .notFound:
            return ProviderError(.refused, "gcp \(operation) rejected: \(error.message)")
        case .aborted:
            return ProviderError(.unavailable, "gcp \(operation): the IAM policy kept changing concurrently; approve again to retry")
        default:
            return ProviderError(.unavailable, "gcp \(operation) failed: \(error.message)")
        }
    }
}
