import Foundation
import LaunchWatchCore

/// A parsed and validated GraphQL request document, as `GraphQLRequestReader` hands it to the
/// executor: its operations and fragments.
///
/// Only the executable part of the language is modelled (operations, selections, fragments,
/// variables, directives); a document with type-system definitions does not parse.
struct GraphQLDocument: Sendable {
    var operations: [Operation]
    var fragments: [String: Fragment]

    /// A `query`, `mutation` or `subscription`, possibly anonymous.
    struct Operation: Sendable {
        enum Kind: String, Sendable {
            case query
            case mutation
            case subscription
        }

        var kind: Kind
        var name: String?
        var variables: [VariableDefinition]
        var selections: [Selection]
        var location: Location
    }

    /// `$name: Type = default`.
    struct VariableDefinition: Sendable {
        var name: String
        var type: TypeReference
        var defaultValue: Value?
    }

    /// A type as a variable definition writes it: `String`, `[ID!]`, `Int!`.
    indirect enum TypeReference: Sendable, CustomStringConvertible {
        case named(String)
        case list(TypeReference)
        case nonNull(TypeReference)

        var isNonNull: Bool {
            if case .nonNull = self { return true }
            return false
        }

        var description: String {
            switch self {
            case .named(let name): name
            case .list(let inner): "[\(inner)]"
            case .nonNull(let inner): "\(inner)!"
            }
        }
    }

    /// `fragment Name on Type { ... }`.
    struct Fragment: Sendable {
        var name: String
        var typeCondition: String
        var selections: [Selection]
        var location: Location
    }

    /// One entry of a selection set.
    enum Selection: Sendable {
        case field(Field)
        case fragmentSpread(name: String, directives: [Directive], location: Location)
        case inlineFragment(typeCondition: String?, directives: [Directive], selections: [Selection])
    }

    /// `alias: name(arguments) @directives { selections }`.
    struct Field: Sendable {
        var alias: String?
        var name: String
        var arguments: [(name: String, value: Value)]
        var directives: [Directive]
        var selections: [Selection]
        var location: Location

        /// The key of this field in the response: the alias when there is one.
        var responseKey: String { alias ?? name }
    }

    /// `@name(arguments)`.
    struct Directive: Sendable {
        var name: String
        var arguments: [(name: String, value: Value)]
    }

    /// A literal or a variable, as written in the document.
    indirect enum Value: Sendable {
        case variable(String)
        case number(Double)
        case string(String)
        case bool(Bool)
        case null
        case enumValue(String)
        case list([Value])
        case object([(key: String, value: Value)])
    }

    /// Where something is in the query text, 1-based; written as `{"line", "column"}` in an error.
    struct Location: Sendable, Encodable {
        var line: Int
        var column: Int
    }
}
