/// The version of this build of jitsudo.
public enum JitsudoVersion {
    public static let current = "0.1.0-dev"
}
