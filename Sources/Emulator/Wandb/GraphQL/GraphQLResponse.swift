import LaunchWatchCore

/// A GraphQL response as W&B's server writes it: `data` (absent after a document error, `null` when
/// a non-null root field failed) and `errors` (left out when there are none).
struct GraphQLResponse: Sendable, Encodable {
    /// The selected fields. Their shape is the query's own (aliases, fragments, whichever fields it
    /// selects), decided while executing it, so `data` stays JSON rather than a fixed type; it keeps
    /// the selection order the GraphQL specification asks for.
    var data: JSONValue?
    var errors: [GraphQLError]

    private enum CodingKeys: String, CodingKey {
        case data, errors
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let data { try container.encode(data, forKey: .data) }
        if !errors.isEmpty { try container.encode(errors, forKey: .errors) }
    }

    /// The HTTP status W&B answers with: 200 without errors, else the first error's status (400
    /// when the document did not execute).
    var status: Int {
        guard let first = errors.first else { return 200 }
        return data == nil ? 400 : first.status
    }
}
