/// Where a raw status leads.
public enum StageMapping: Sendable, Hashable {
    case stage(String)
    case ignored
    case unmapped
}
