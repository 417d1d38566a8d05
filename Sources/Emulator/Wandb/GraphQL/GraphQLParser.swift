import Foundation

/// Reads a GraphQL request document (the executable part of the language) into a `GraphQLDocument`.
///
/// Errors read like W&B's server (graph-gophers style): `syntax error: unexpected "}", expecting Name`,
/// with the line and column.
///
/// ```swift
/// let document = try GraphQLParser.parse("query { viewer { id } }")
/// ```
struct GraphQLParser {
    typealias Document = GraphQLDocument
    typealias Token = GraphQLLexer.Token

    private var lexer: GraphQLLexer
    private var token: Token

    private init(_ text: String) throws(GraphQLError) {
        lexer = GraphQLLexer(text)
        token = try lexer.next()
    }

    static func parse(_ text: String) throws(GraphQLError) -> GraphQLDocument {
        var parser = try GraphQLParser(text)
        return try parser.document()
    }

    // MARK: - Tokens

    private mutating func advance() throws(GraphQLError) -> Token {
        let current = token
        token = try lexer.next()
        return current
    }

    private func unexpected(expecting: String) -> GraphQLError {
        GraphQLError(
            message: "syntax error: unexpected \(token.quoted), expecting \(expecting)", locations: [token.location])
    }

    private func isPunctuator(_ text: String) -> Bool { token.kind == .punctuator && token.text == text }

    /// Consumes the punctuator `text` if it is next.
    private mutating func skip(_ text: String) throws(GraphQLError) -> Bool {
        guard isPunctuator(text) else { return false }
        _ = try advance()
        return true
    }

    private mutating func expect(_ text: String) throws(GraphQLError) {
        guard isPunctuator(text) else { throw unexpected(expecting: "\"\(text)\"") }
        _ = try advance()
    }

    private mutating func name() throws(GraphQLError) -> String {
        guard token.kind == .name else { throw unexpected(expecting: "Name") }
        return try advance().text
    }

    private mutating func keyword(_ word: String) throws(GraphQLError) {
        guard token.kind == .name, token.text == word else { throw unexpected(expecting: "\"\(word)\"") }
        _ = try advance()
    }

    // MARK: - Definitions

    private mutating func document() throws(GraphQLError) -> GraphQLDocument {
        var operations: [Document.Operation] = []
        var fragments: [String: Document.Fragment] = [:]
        repeat {
            let location = token.location
            if isPunctuator("{") {
                operations.append(
                    Document.Operation(
                        kind: .query, name: nil, variables: [], selections: try selectionSet(), location: location))
                continue
            }
            guard token.kind == .name else {
                throw unexpected(expecting: "\"{\", \"query\", \"mutation\" or \"fragment\"")
            }
            switch token.text {
            case "query", "mutation", "subscription":
                operations.append(try operation())
            case "fragment":
                let fragment = try fragmentDefinition()
                guard fragments[fragment.name] == nil else {
                    throw GraphQLError(
                        message: "There can be only one fragment named \"\(fragment.name)\".", locations: [location])
                }
                fragments[fragment.name] = fragment
            default:
                throw unexpected(expecting: "\"{\", \"query\", \"mutation\" or \"fragment\"")
            }
        } while token.kind != .end
        return GraphQLDocument(operations: operations, fragments: fragments)
    }

    private mutating func operation() throws(GraphQLError) -> Document.Operation {
        let location = token.location
        let kindToken = try advance()
        let kind = Document.Operation.Kind(rawValue: kindToken.text) ?? .query
        var name: String?
        if token.kind == .name { name = try advance().text }
        var variables: [Document.VariableDefinition] = []
        if try skip("(") {
            repeat {
                try expect("$")
                let variable = try self.name()
                try expect(":")
                let type = try typeReference()
                let defaultValue = try skip("=") ? try value(constant: true) : nil
                _ = try directives()
                variables.append(Document.VariableDefinition(name: variable, type: type, defaultValue: defaultValue))
            } while !(try skip(")"))
        }
        _ = try directives()
        return Document.Operation(
            kind: kind, name: name, variables: variables, selections: try selectionSet(), location: location)
    }

    private mutating func fragmentDefinition() throws(GraphQLError) -> Document.Fragment {
        let location = token.location
        try keyword("fragment")
        let name = try self.name()
        guard name != "on" else { throw unexpected(expecting: "Name") }
        try keyword("on")
        let typeCondition = try self.name()
        _ = try directives()
        return Document.Fragment(
            name: name, typeCondition: typeCondition, selections: try selectionSet(), location: location)
    }

    private mutating func typeReference() throws(GraphQLError) -> Document.TypeReference {
        var type: Document.TypeReference
        if try skip("[") {
            type = .list(try typeReference())
            try expect("]")
        } else {
            type = .named(try name())
        }
        if try skip("!") { type = .nonNull(type) }
        return type
    }

    // MARK: - Selections

    private mutating func selectionSet() throws(GraphQLError) -> [Document.Selection] {
        try expect("{")
        var selections: [Document.Selection] = []
        repeat {
            selections.append(try selection())
        } while !(try skip("}"))
        return selections
    }

    private mutating func selection() throws(GraphQLError) -> Document.Selection {
        let location = token.location
        if try skip("...") {
            if token.kind == .name, token.text != "on" {
                let name = try advance().text
                return .fragmentSpread(name: name, directives: try directives(), location: location)
            }
            var typeCondition: String?
            if token.kind == .name, token.text == "on" {
                _ = try advance()
                typeCondition = try name()
            }
            let directives = try directives()
            return .inlineFragment(typeCondition: typeCondition, directives: directives, selections: try selectionSet())
        }
        var alias: String?
        var name = try self.name()
        if try skip(":") {
            alias = name
            name = try self.name()
        }
        let arguments = isPunctuator("(") ? try self.arguments(constant: false) : []
        let directives = try directives()
        let selections = isPunctuator("{") ? try selectionSet() : []
        return .field(
            Document.Field(
                alias: alias, name: name, arguments: arguments, directives: directives, selections: selections,
                location: location))
    }

    private mutating func arguments(constant: Bool) throws(GraphQLError) -> [(name: String, value: Document.Value)] {
        try expect("(")
        var arguments: [(name: String, value: Document.Value)] = []
        repeat {
            let name = try self.name()
            try expect(":")
            arguments.append((name, try value(constant: constant)))
        } while !(try skip(")"))
        return arguments
    }

    private mutating func directives() throws(GraphQLError) -> [Document.Directive] {
        var directives: [Document.Directive] = []
        while try skip("@") {
            let name = try self.name()
            let arguments = isPunctuator("(") ? try self.arguments(constant: false) : []
            directives.append(Document.Directive(name: name, arguments: arguments))
        }
        return directives
    }

    // MARK: - Values

    private mutating func value(constant: Bool) throws(GraphQLError) -> Document.Value {
        switch token.kind {
        case .punctuator:
            if !constant, try skip("$") { return .variable(try name()) }
            if try skip("[") {
                var values: [Document.Value] = []
                while !(try skip("]")) { values.append(try value(constant: constant)) }
                return .list(values)
            }
            if try skip("{") {
                var members: [(key: String, value: Document.Value)] = []
                while !(try skip("}")) {
                    let key = try name()
                    try expect(":")
                    members.append((key, try value(constant: constant)))
                }
                return .object(members)
            }
            throw unexpected(expecting: "Value")
        case .int, .float:
            let text = try advance().text
            guard let number = Double(text) else { throw unexpected(expecting: "Value") }
            return .number(number)
        case .string:
            return .string(try advance().text)
        case .name:
            let word = try advance().text
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default: return .enumValue(word)
            }
        case .end:
            throw unexpected(expecting: "Value")
        }
    }
}
