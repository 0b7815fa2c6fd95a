/// The version of this build of jitsudo: what `--version` prints, the release tarballs and image tags carry
/// (`make images`, `make release`), and the Helm chart's `appVersion` (a chart test keeps the two equal).
public enum JitsudoVersion {
    public static let current = "0.1.0"
}
