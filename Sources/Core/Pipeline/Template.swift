// Full Foundation, not FoundationEssentials: replacingOccurrences(of:with:) is not in FoundationEssentials.
import Foundation

/// A string with `${namespace.NAME}` references, as pipeline values are written.
///
/// Namespaces: `env` (process environment), `var` (`--var NAME=value`), `launch` (`startedAt`) and
/// `fact` (published by providers at run time). `$${` writes a literal `${`.
package struct Template: Sendable, Hashable {
    /// One piece of a template.
    package enum Part: Sendable, Hashable {
        case literal(String)
        case reference(namespace: String, name: String)
    }

    /// Why a template could not be read.
    package struct SyntaxError: Error, Sendable, Hashable {
        package var message: String
    }

    package var parts: [Part]

    /// Reads `text`; throws when a `${` is not closed or a reference is not `namespace.NAME`.
    package init(_ text: String) throws(SyntaxError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            let after = rest[dollar...].dropFirst()
            if after.hasPrefix("${") {
                literal += "${"
                rest = after.dropFirst(2)
            } else if after.hasPrefix("{") {
                guard let close = after.firstIndex(of: "}") else {
                    throw SyntaxError(message: "\"${\" is not closed with \"}\"")
                }
                let body = after[after.index(after: after.startIndex)..<close]
                // In "${var.a/${var.b}" the first "}" closes the second reference: the first is unclosed.
                if body.contains("${") {
                    throw SyntaxError(message: "\"${\" is not closed with \"}\"")
                }
                let pieces = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty,
                    pieces.allSatisfy({
                        $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) }
                    })
                else {
                    throw SyntaxError(
                        message: "\"${\(body)}\" is not a reference; write ${env.NAME}, ${var.NAME}, "
                            + "${fact.NAME} or ${launch.startedAt} (and $${ for a literal ${)")
                }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.reference(namespace: String(pieces[0]), name: String(pieces[1])))
                rest = after[after.index(after: close)...]
            } else {
                literal += "$"
                rest = after
            }
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The references in order.
    package var references: [(namespace: String, name: String)] {
        parts.compactMap {
            if case .reference(let namespace, let name) = $0 { return (namespace, name) }
            return nil
        }
    }

    /// The text with each reference replaced by `resolve`'s answer. A reference `resolve` leaves
    /// `nil` is written back as it was, and then literal `${` are written `$${` again, so the result
    /// can be rendered a second time (facts are filled in at run time). `keepingEscapes` writes
    /// literal `${` as `$${` even when no reference is left.
    package func render(keepingEscapes: Bool = false, _ resolve: (_ namespace: String, _ name: String) -> String?)
        -> String
    {
        let resolved = parts.map { part -> Part in
            guard case .reference(let namespace, let name) = part, let value = resolve(namespace, name) else {
                return part
            }
            return .literal(value)
        }
        let keepsReferences =
            keepingEscapes
            || resolved.contains {
                if case .reference = $0 { return true }
                return false
            }
        var text = ""
        for part in resolved {
            switch part {
            case .literal(let literal) where keepsReferences:
                text += literal.replacingOccurrences(of: "${", with: "$${")
            case .literal(let literal):
                text += literal
            case .reference(let namespace, let name):
                text += "${\(namespace).\(name)}"
            }
        }
        return text
    }
}

extension JSONValue {
    /// The names of the facts (`${fact.NAME}`) referenced anywhere in this value.
    package var referencedFacts: Set<String> {
        var names = Set<String>()
        _ = mapStrings { text, _ in
            if let template = try? Template(text) {
                for reference in template.references where reference.namespace == "fact" {
                    names.insert(reference.name)
                }
            }
            return text
        }
        return names
    }

    /// A copy with `${fact.NAME}` filled in from `facts`.
    package func substitutingFacts(_ facts: [String: String]) -> JSONValue {
        mapStrings { text, _ in
            guard let template = try? Template(text) else { return text }
            return template.render { namespace, name in namespace == "fact" ? facts[name] : nil }
        }
    }
}
