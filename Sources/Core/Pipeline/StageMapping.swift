/// Where a raw status leads.
package enum StageMapping: Sendable, Hashable {
    case stage(String)
    case ignored
    case unmapped
}
