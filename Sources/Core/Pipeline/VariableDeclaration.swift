/// A variable a pipeline declares in `variables`, filled from `--var NAME=value`.
public struct VariableDeclaration: Sendable, Hashable {
    public var name: String
    public var summary: String?
    /// The value used when no `--var` gives one; `nil` makes the variable required unless `optional`.
    public var defaultValue: String?
    /// `"optional": true`: the variable may be left without a value. Then every provider whose `config`
    /// uses it is left out of the run (`Pipeline.omittedProviders`) instead of the run failing: a
    /// pipeline can offer a provider that only works when the user knows one more thing (a launch's
    /// name, an execution id).
    public var optional: Bool

    public init(name: String, summary: String? = nil, defaultValue: String? = nil, optional: Bool = false) {
        self.name = name
        self.summary = summary
        self.defaultValue = defaultValue
        self.optional = optional
    }
}
