import Foundation
import LaunchWatchCore

/// What a resolver answers for one field: a leaf value, an object to select from, or a list.
indirect enum GraphQLResolved<Object> {
    case leaf(JSONValue)
    case object(Object)
    case list([GraphQLResolved<Object>])

    static var null: GraphQLResolved { .leaf(.null) }
}

/// One field as a resolver sees it: its name, its arguments with the variables substituted (an
/// argument given as an unset variable is left out), and its response path.
struct GraphQLFieldRequest {
    var name: String
    var arguments: [String: JSONValue]
    var path: [JSONValue]

    /// A string argument.
    func string(_ name: String) -> String? {
        if case .string(let value)? = arguments[name] { return value }
        return nil
    }

    /// An integer argument (GraphQL `Int`).
    func int(_ name: String) -> Int? {
        if case .number(let value)? = arguments[name], value.rounded() == value, abs(value) < 1e15 {
            return Int(value)
        }
        return nil
    }

    /// A field error at this field's path.
    func error(_ message: String, status: Int = 400) -> GraphQLError {
        GraphQLError(message: message, path: path, status: status)
    }
}

/// The schema side of execution: the root objects, the type of each object, and field values.
///
/// Documents reach the executor validated against the schema (`GraphQLRequestReader`), so a
/// resolver sees only fields the schema has; it answers `.null` for one it does not serve.
protocol GraphQLResolver {
    associatedtype Object

    /// The root object of a `query` or `mutation`; `nil` for an operation kind not served.
    func root(for kind: GraphQLDocument.Operation.Kind) -> Object?

    /// The GraphQL type name of `object`, for `__typename` and fragment type conditions.
    func typeName(of object: Object) -> String

    /// Whether a fragment on `typeCondition` applies to `object` (its own type, or an interface it
    /// implements).
    func object(_ object: Object, conformsTo typeCondition: String) -> Bool

    /// The value of one field of `object`. Mutating, so that mutations can change what later fields
    /// read.
    mutating func resolve(_ field: GraphQLFieldRequest, on object: Object) throws(GraphQLError)
        -> GraphQLResolved<Object>
}

extension GraphQLResolver {
    func object(_ object: Object, conformsTo typeCondition: String) -> Bool {
        typeName(of: object) == typeCondition
    }
}

/// Executes one operation of a parsed document against a `GraphQLResolver`, as the GraphQL
/// specification describes: operation selection, variable coercion (presence and nullability; the
/// types are not checked), `@skip`/`@include`, fragments and inline fragments with type conditions,
/// aliases, field merging, and field errors that null their field and are reported with its path.
///
/// The document comes validated (`GraphQLRequestReader`: fields, arguments, fragments, variables
/// used and defined); what is left to check here — the operation named, a required variable not
/// given or null — leaves `data` out, as the specification says for errors before execution.
struct GraphQLExecutor<Resolver: GraphQLResolver> {
    typealias Document = GraphQLDocument
    typealias Object = Resolver.Object

    var resolver: Resolver
    private var document = GraphQLDocument(operations: [], fragments: [:])
    private var variables: [String: JSONValue] = [:]
    private var errors: [GraphQLError] = []

    typealias Response = GraphQLResponse

    init(resolver: Resolver) {
        self.resolver = resolver
    }

    mutating func execute(_ document: GraphQLDocument, operationName: String?, variables: [String: JSONValue])
        -> Response
    {
        self.document = document
        self.errors = []
        let operation: Document.Operation
        do {
            operation = try Self.selectOperation(document, name: operationName)
            self.variables = try Self.coerce(variables, for: operation)
        } catch {
            return Response(data: nil, errors: [error])
        }
        guard let root = resolver.root(for: operation.kind) else {
            let error = GraphQLError(
                message: "\(operation.kind.rawValue) operations are not supported", locations: [operation.location])
            return Response(data: nil, errors: [error])
        }
        let data = executeSelectionSet(operation.selections, on: root, path: [])
        return Response(data: data, errors: errors)
    }

    // MARK: - Before execution

    private static func selectOperation(_ document: Document, name: String?) throws(GraphQLError)
        -> Document.Operation
    {
        var seen: Set<String> = []
        for operation in document.operations {
            guard let name = operation.name else { continue }
            guard seen.insert(name).inserted else {
                throw GraphQLError(
                    message: "There can be only one operation named \"\(name)\".", locations: [operation.location])
            }
        }
        if let name, !name.isEmpty {
            guard let operation = document.operations.first(where: { $0.name == name }) else {
                throw GraphQLError(message: "Unknown operation named \"\(name)\".")
            }
            return operation
        }
        guard document.operations.count == 1, let operation = document.operations.first else {
            throw GraphQLError(
                message: document.operations.isEmpty
                    ? "no operations in query document"
                    : "Must provide operation name if query contains multiple operations.")
        }
        return operation
    }

    /// The operation's variables: given values, else defaults; a required variable that is missing
    /// or null is an error. Variables neither given nor defaulted are left out.
    private static func coerce(_ given: [String: JSONValue], for operation: Document.Operation) throws(GraphQLError)
        -> [String: JSONValue]
    {
        var coerced: [String: JSONValue] = [:]
        for definition in operation.variables {
            if let value = given[definition.name] {
                if value == .null, definition.type.isNonNull {
                    throw GraphQLError(
                        message:
                            "Variable \"$\(definition.name)\" of non-null type \"\(definition.type)\" must not be null.",
                        locations: [operation.location])
                }
                coerced[definition.name] = value
            } else if let defaultValue = definition.defaultValue {
                coerced[definition.name] = literal(defaultValue, variables: [:]) ?? .null
            } else if definition.type.isNonNull {
                throw GraphQLError(
                    message:
                        "Variable \"$\(definition.name)\" of required type \"\(definition.type)\" was not provided.",
                    locations: [operation.location])
            }
        }
        return coerced
    }

    /// A document value as JSON with the variables substituted; `nil` for an unset variable.
    private static func literal(_ value: Document.Value, variables: [String: JSONValue]) -> JSONValue? {
        switch value {
        case .variable(let name): return variables[name]
        case .number(let number): return .number(number)
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        case .enumValue(let name): return .string(name)
        case .list(let values): return .array(values.map { literal($0, variables: variables) ?? .null })
        case .object(let members):
            return .object(
                members.compactMap { member in literal(member.value, variables: variables).map { (member.key, $0) } })
        }
    }

    // MARK: - Execution

    /// Whether `@skip`/`@include` keep a selection.
    private func isIncluded(_ directives: [Document.Directive]) -> Bool {
        for directive in directives {
            let condition = directive.arguments.first { $0.name == "if" }.flatMap {
                Self.literal($0.value, variables: variables)
            }
            switch (directive.name, condition) {
            case ("skip", .bool(true)?): return false
            case ("include", .bool(false)?): return false
            default: continue
            }
        }
        return true
    }

    /// The fields to execute on `object`, grouped by response key in document order.
    private func collectFields(
        _ selections: [Document.Selection], on object: Object,
        into groups: inout [(key: String, fields: [Document.Field])],
        visited: inout Set<String>
    ) {
        for selection in selections {
            switch selection {
            case .field(let field):
                guard isIncluded(field.directives) else { continue }
                if let index = groups.firstIndex(where: { $0.key == field.responseKey }) {
                    groups[index].fields.append(field)
                } else {
                    groups.append((field.responseKey, [field]))
                }
            case .inlineFragment(let typeCondition, let directives, let inner):
                guard isIncluded(directives) else { continue }
                if let typeCondition, !resolver.object(object, conformsTo: typeCondition) { continue }
                collectFields(inner, on: object, into: &groups, visited: &visited)
            case .fragmentSpread(let name, let directives, _):
                guard isIncluded(directives), visited.insert(name).inserted,
                    let fragment = document.fragments[name],
                    resolver.object(object, conformsTo: fragment.typeCondition)
                else { continue }
                collectFields(fragment.selections, on: object, into: &groups, visited: &visited)
            }
        }
    }

    private mutating func executeSelectionSet(_ selections: [Document.Selection], on object: Object, path: [JSONValue])
        -> JSONValue
    {
        var groups: [(key: String, fields: [Document.Field])] = []
        var visited: Set<String> = []
        collectFields(selections, on: object, into: &groups, visited: &visited)
        var members: [(key: String, value: JSONValue)] = []
        for group in groups {
            guard let field = group.fields.first else { continue }
            let fieldPath = path + [.string(group.key)]
            if field.name == "__typename" {
                members.append((group.key, .string(resolver.typeName(of: object))))
                continue
            }
            var arguments: [String: JSONValue] = [:]
            for argument in field.arguments {
                if let value = Self.literal(argument.value, variables: variables) { arguments[argument.name] = value }
            }
            let request = GraphQLFieldRequest(name: field.name, arguments: arguments, path: fieldPath)
            do {
                let resolved = try resolver.resolve(request, on: object)
                members.append(
                    (group.key, complete(resolved, selections: group.fields.flatMap(\.selections), path: fieldPath)))
            } catch {
                errors.append(error)
                members.append((group.key, .null))
            }
        }
        return .object(members)
    }

    /// A resolved value as JSON: objects are selected from, lists completed item by item. An object
    /// without a selection, or a leaf with one, is `null`/the value (validation refuses both before).
    private mutating func complete(
        _ resolved: GraphQLResolved<Object>, selections: [Document.Selection], path: [JSONValue]
    ) -> JSONValue {
        switch resolved {
        case .leaf(let value):
            return value
        case .object(let object):
            return selections.isEmpty ? .null : executeSelectionSet(selections, on: object, path: path)
        case .list(let items):
            var values: [JSONValue] = []
            for (index, item) in items.enumerated() {
                values.append(complete(item, selections: selections, path: path + [.number(Double(index))]))
            }
            return .array(values)
        }
    }
}
