import Foundation
import LaunchWatchCore

/// One entry of a GraphQL response's `errors`: a message, and where it applies.
///
/// Document errors (syntax, unknown operation, undefined variables) carry `locations`; field errors
/// carry the `path` of the field, as W&B's server writes them (`{"message": ..., "path": ["project"]}`).
struct GraphQLError: Error, Sendable {
    var message: String
    var locations: [GraphQLDocument.Location] = []
    var path: [JSONValue] = []
    /// The HTTP status W&B answers when this is the response's first error.
    var status: Int = 400

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("message", .string(message))]
        if !locations.isEmpty { members.append(("locations", .array(locations.map(\.json)))) }
        if !path.isEmpty { members.append(("path", .array(path))) }
        return .object(members)
    }
}
