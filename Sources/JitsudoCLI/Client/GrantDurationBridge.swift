import JitsudoCore

/// Duration flags parsed with the core's ``GrantDuration`` rules (`30m`, `2h30m`, `1d`).
enum GrantDurationBridge {
    /// Whole seconds of `text`, or a usage error with the core's explanation.
    static func seconds(_ text: String) throws -> Int64 {
        do {
            return try GrantDuration.parse(text).seconds
        } catch {
            throw CLIError.usage(error.message)
        }
    }

    /// `2h0m0s`, as the original printed durations.
    static func goStyle(_ seconds: Int64) -> String { GrantDuration(uncheckedSeconds: seconds).goStyle }
}
