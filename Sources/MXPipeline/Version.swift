// The mxflow version string, printed by `--version` and at the top of every log.
public enum MXFlowVersion {
    public static let string = "0.1.0"
}
