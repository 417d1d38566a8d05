import LaunchWatchCore

extension ProviderError.Code {
    /// `graphql`: the W&B server answered 200 with GraphQL `errors` instead of data (a refused
    /// field, an unknown entity); the message is the server's first error.
    public static let graphql: Self = "graphql"
}
