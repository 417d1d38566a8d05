import Foundation
import GraphQL
import Synchronization

/// Reads a request's GraphQL document the way a GraphQL server does before executing anything: it
/// parses the text and validates it against the W&B schema (`WandbSDL`) with GraphQLSwift, the Swift
/// port of graphql-js, so that syntax errors, unknown fields (`Cannot query field "x" on type "Y".`),
/// unknown arguments (`Unknown argument "x" on field "Y.z".`), wrong argument types, undefined or
/// unused variables and fragments are refused in graphql-js's own words. A valid document is handed
/// to `GraphQLExecutor` as a `GraphQLDocument`.
///
/// The schemas are built once per `WandbSDL.Variant` and shared (a built `GraphQLSchema` is
/// immutable). Readings are remembered by document text: clients send the same documents again and
/// again with other variables (a sweep's batch every tick), and validating a 200-alias document
/// anew each time would cost more than answering it.
enum GraphQLRequestReader {
    /// What reading a request's document gives.
    enum Reading: Sendable {
        case document(GraphQLDocument)
        /// The errors that refuse it (syntax or validation), in document order.
        case refused([GraphQLError])
    }

    static func read(_ text: String, variant: WandbSDL.Variant) -> Reading {
        let key = CacheKey(variant: variant, text: text)
        if let known = cache.withLock({ $0[key] }) { return known }
        let reading = readAnew(text, variant: variant)
        cache.withLock { cache in
            // Bounded: a client that sends ever new documents (a fuzzer) does not grow it forever.
            if cache.count >= 256 { cache.removeAll(keepingCapacity: true) }
            cache[key] = reading
        }
        return reading
    }

    private struct CacheKey: Hashable, Sendable {
        var variant: WandbSDL.Variant
        var text: String
    }

    private static let cache = Mutex<[CacheKey: Reading]>([:])

    private static func readAnew(_ text: String, variant: WandbSDL.Variant) -> Reading {
        let schema: GraphQLSchema
        switch Self.schema(variant) {
        case .success(let built): schema = built
        case .failure(let error): return .refused([GraphQLError(message: error.message, status: 500)])
        }
        let ast: Document
        do {
            ast = try parse(source: Source(body: text, name: "GraphQL request"))
        } catch let error as GraphQL.GraphQLError {
            return .refused([Self.error(error)])
        } catch {
            return .refused([GraphQLError(message: "Syntax Error: \(error)")])
        }
        let problems = validate(schema: schema, ast: ast)
        guard problems.isEmpty else { return .refused(problems.map(Self.error)) }
        return .document(document(ast))
    }

    /// Why the SDL did not build: a bug in `WandbSDL`, answered as a 500 rather than a crash.
    struct SchemaError: Error, Sendable {
        var message: String
    }

    /// The schemas built so far: each variant's on its first request (building one costs a moment
    /// of CPU, which a watch that has just started would rather spend elsewhere).
    private static let schemas = Mutex<[WandbSDL.Variant: Result<GraphQLSchema, SchemaError>]>([:])

    static func schema(_ variant: WandbSDL.Variant) -> Result<GraphQLSchema, SchemaError> {
        schemas.withLock { schemas in
            if let built = schemas[variant] { return built }
            let built: Result<GraphQLSchema, SchemaError>
            do {
                built = .success(try buildSchema(source: WandbSDL.text(variant)))
            } catch {
                built = .failure(SchemaError(message: "the emulator's W&B schema is invalid: \(error)"))
            }
            schemas[variant] = built
            return built
        }
    }

    private static func error(_ error: GraphQL.GraphQLError) -> GraphQLError {
        GraphQLError(
            message: graphQLJSWording(error.message),
            locations: error.locations.map { GraphQLDocument.Location(line: $0.line, column: $0.column) })
    }

    /// GraphQLSwift's message in graphql-js 16's words where the two differ (servers built on
    /// graphql-js or gqlparser answer these): `Syntax Error: Expected Name, found <EOF>.` without the
    /// source excerpt, and `Unknown argument "a" on field "Type.field".` for an unknown argument.
    static func graphQLJSWording(_ message: String) -> String {
        if message.hasPrefix("Syntax Error ") {
            let firstLine = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? message
            guard let close = firstLine.range(of: ") ") else { return firstLine }
            let description = firstLine[close.upperBound...]
            return "Syntax Error: " + description + (description.hasSuffix(".") ? "" : ".")
        }
        let pattern = #"^Field "([^"]+)" on type "([^"]+)" does not have argument "([^"]+)"\.(.*)$"#
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
            let match = expression.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)),
            match.numberOfRanges == 5
        else { return message }
        func group(_ index: Int) -> String {
            Range(match.range(at: index), in: message).map { String(message[$0]) } ?? ""
        }
        return "Unknown argument \"\(group(3))\" on field \"\(group(2)).\(group(1))\".\(group(4))"
    }

    // MARK: - From GraphQLSwift's AST

    private static func document(_ ast: Document) -> GraphQLDocument {
        var operations: [GraphQLDocument.Operation] = []
        var fragments: [String: GraphQLDocument.Fragment] = [:]
        for definition in ast.definitions {
            if let operation = definition as? OperationDefinition {
                let kind: GraphQLDocument.Operation.Kind =
                    switch operation.operation {
                    case .query: .query
                    case .mutation: .mutation
                    case .subscription: .subscription
                    }
                operations.append(
                    GraphQLDocument.Operation(
                        kind: kind, name: operation.name?.value,
                        variables: operation.variableDefinitions.map {
                            GraphQLDocument.VariableDefinition(
                                name: $0.variable.name.value, type: typeReference($0.type),
                                defaultValue: $0.defaultValue.map(value))
                        },
                        selections: selections(operation.selectionSet), location: location(operation.loc)))
            } else if let fragment = definition as? FragmentDefinition {
                fragments[fragment.name.value] = GraphQLDocument.Fragment(
                    name: fragment.name.value, typeCondition: fragment.typeCondition.name.value,
                    selections: selections(fragment.selectionSet), location: location(fragment.loc))
            }
        }
        return GraphQLDocument(operations: operations, fragments: fragments)
    }

    private static func selections(_ set: SelectionSet?) -> [GraphQLDocument.Selection] {
        guard let set else { return [] }
        return set.selections.compactMap { selection -> GraphQLDocument.Selection? in
            if let field = selection as? Field {
                return .field(
                    GraphQLDocument.Field(
                        alias: field.alias?.value, name: field.name.value,
                        arguments: field.arguments.map { ($0.name.value, value($0.value)) },
                        directives: field.directives.map(directive), selections: selections(field.selectionSet),
                        location: location(field.loc)))
            }
            if let spread = selection as? FragmentSpread {
                return .fragmentSpread(
                    name: spread.name.value, directives: spread.directives.map(directive),
                    location: location(spread.loc))
            }
            if let inline = selection as? InlineFragment {
                return .inlineFragment(
                    typeCondition: inline.typeCondition?.name.value, directives: inline.directives.map(directive),
                    selections: selections(inline.selectionSet))
            }
            return nil
        }
    }

    private static func directive(_ directive: Directive) -> GraphQLDocument.Directive {
        GraphQLDocument.Directive(
            name: directive.name.value, arguments: directive.arguments.map { ($0.name.value, value($0.value)) })
    }

    private static func typeReference(_ type: any GraphQL.`Type`) -> GraphQLDocument.TypeReference {
        if let list = type as? ListType { return .list(typeReference(list.type)) }
        if let nonNull = type as? NonNullType { return .nonNull(typeReference(nonNull.type)) }
        if let named = type as? NamedType { return .named(named.name.value) }
        return .named("\(type)")
    }

    private static func value(_ value: any Value) -> GraphQLDocument.Value {
        switch value {
        case let variable as Variable: return .variable(variable.name.value)
        case let number as IntValue: return Double(number.value).map(GraphQLDocument.Value.number) ?? .null
        case let number as FloatValue: return Double(number.value).map(GraphQLDocument.Value.number) ?? .null
        case let text as StringValue: return .string(text.value)
        case let flag as BooleanValue: return .bool(flag.value)
        case let name as EnumValue: return .enumValue(name.value)
        case let list as ListValue: return .list(list.values.map { Self.value($0) })
        case let object as ObjectValue: return .object(object.fields.map { ($0.name.value, Self.value($0.value)) })
        default: return .null
        }
    }

    private static func location(_ loc: Location?) -> GraphQLDocument.Location {
        guard let token = loc?.startToken else { return GraphQLDocument.Location(line: 1, column: 1) }
        return GraphQLDocument.Location(line: token.line, column: token.column)
    }
}
