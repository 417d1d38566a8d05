import Foundation

/// Reads a netrc file: `machine HOST login USER password SECRET` entries, and a `default` entry
/// (its `machine` is `nil`), in any layout; `macdef` bodies are skipped to their blank line.
enum Netrc {
    struct Entry: Sendable {
        var machine: String?
        var password: String?
    }

    static func entries(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        var lines = text.components(separatedBy: "\n")[...]
        var tokens: [String] = []
        while let line = lines.popFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if let index = words.firstIndex(of: "macdef") {
                tokens += words[..<index]
                while let body = lines.popFirst(), !body.trimmingCharacters(in: .whitespaces).isEmpty {}
                continue
            }
            tokens += words
        }
        var index = 0
        while index < tokens.count {
            switch tokens[index] {
            case "machine":
                entries.append(Entry(machine: index + 1 < tokens.count ? tokens[index + 1] : "", password: nil))
                index += 2
            case "default":
                entries.append(Entry(machine: nil, password: nil))
                index += 1
            case "password":
                if !entries.isEmpty, index + 1 < tokens.count {
                    entries[entries.count - 1].password = tokens[index + 1]
                }
                index += 2
            case "login", "account":
                index += 2
            default:
                index += 1
            }
        }
        return entries
    }
}
