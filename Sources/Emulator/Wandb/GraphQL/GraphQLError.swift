import Foundation
import LaunchWatchCore

/// One entry of a GraphQL response's `errors`: a message, and where it applies.
///
/// Document errors (syntax, unknown operation, undefined variables) carry `locations`; field errors
/// carry the `path` of the field, as W&B's server writes them (`{"message": ..., "path": ["project"]}`).
struct GraphQLError: Error, Sendable, Encodable {
    var message: String
    var locations: [GraphQLDocument.Location] = []
    /// Field names and list indexes; a path mixes strings and numbers, so it stays JSON.
    var path: [JSONValue] = []
    /// The HTTP status W&B answers when this is the response's first error.
    var status: Int = 400

    private enum CodingKeys: String, CodingKey {
        case message, locations, path
    }

    /// `message`, then `locations` and `path` when there are any; `status` is the HTTP answer's.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        if !locations.isEmpty { try container.encode(locations, forKey: .locations) }
        if !path.isEmpty { try container.encode(path, forKey: .path) }
    }
}
