/// A provider left out of a run: its config uses optional variables that were given no value.
public struct OmittedProvider: Sendable, Hashable {
    public var id: String
    /// The optional variables it needs, sorted.
    public var missingVariables: [String]

    public init(id: String, missingVariables: [String]) {
        self.id = id
        self.missingVariables = missingVariables
    }

    /// `provider "vertex-by-name" is left out: it needs --var name`.
    public var notice: String {
        "provider \"\(id)\" is left out: it needs "
            + missingVariables.map { "--var \($0)=VALUE" }.joined(separator: " and ")
    }
}
