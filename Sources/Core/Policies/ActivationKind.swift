/// One kind of `activate` condition (`{"when": NAME, ...}`), declared once: its name, the keys it
/// reads, and the `ActivationPolicy` it becomes. The loader reads conditions by these declarations,
/// `launchwatch schema` describes them, and `launchwatch providers` lists them.
package struct ActivationKind: Sendable {
    /// What the loader read of a condition's keys; a key that is absent or invalid is `nil` (empty).
    package struct Values: Sendable {
        package var stage: String?
        package var duration: Duration?
        package var providers: [String] = []
    }

    /// The value of `when`.
    package var name: String
    /// One line for `launchwatch providers`.
    package var summary: String
    /// The keys besides `when`, in the order they are read.
    package var keys: [SectionKey]
    /// The policy for the values read; `nil` when a required value is missing (already reported).
    package var make: @Sendable (Values) -> (any ActivationPolicy)?

    package init(
        _ name: String, _ summary: String, keys: [SectionKey] = [],
        make: @escaping @Sendable (Values) -> (any ActivationPolicy)?
    ) {
        self.name = name
        self.summary = summary
        self.keys = keys
        self.make = make
    }

    /// The built-in kinds, in the order they are documented.
    package static let all: [ActivationKind] = [
        ActivationKind("always", "polls from the start (the default)") { _ in AlwaysActive() },
        ActivationKind(
            "afterStage", "polls once the stage is reached (inferred included)",
            keys: [SectionKey("stage", .stageID, required: true)]
        ) { values in values.stage.map { ActiveAfterStage(stage: $0) } },
        ActivationKind(
            "failureWithoutDetail", "fetches why a launch failed when the failure came without a message"
        ) { _ in ActiveOnFailureWithoutDetail() },
        ActivationKind(
            "fastProvidersDegraded", "once every always-active provider has been degraded for the duration",
            keys: [SectionKey("for", .duration(positive: false), required: true)]
        ) { values in ActiveWhenFastProvidersDegraded(for: values.duration ?? .seconds(30)) },
        ActivationKind(
            "degraded", "stands in for the named providers once any has been degraded for the duration (default 0s)",
            keys: [
                SectionKey("for", .duration(positive: false)), SectionKey("providers", .providerIDs, required: true),
            ]
        ) { values in ActiveWhenProvidersDegraded(values.providers, for: values.duration ?? .zero) },
        ActivationKind(
            "silence", "once no stage has been reached for the duration",
            keys: [SectionKey("for", .duration(positive: true), required: true)]
        ) { values in ActiveAfterSilence(for: values.duration ?? .seconds(60)) },
    ]

    /// The names `when` accepts.
    package static var names: [String] { all.map(\.name) }

    package static func named(_ name: String) -> ActivationKind? { all.first { $0.name == name } }

    /// Every key a condition may have: `when`, then each kind's keys once (first declaration wins),
    /// none but `when` required since each kind requires its own.
    package static var conditionKeys: [SectionKey] {
        var keys = [SectionKey("when", .oneOf(names), required: true)]
        for kind in all {
            for var key in kind.keys where !keys.contains(where: { $0.name == key.name }) {
                key.required = false
                keys.append(key)
            }
        }
        return keys
    }
}
