import Foundation

/// A `--targets` file: one launch of a sweep per line, as the `--var` values that differ between
/// launches — `NAME=value` pairs separated by spaces (`item=UnVu… name=train-3`). Blank lines and
/// lines starting with `#` are skipped. A target is named by its first value (made unique with its
/// line number when two lines share it).
struct TargetsFile {
    struct Target {
        var name: String
        var line: Int
        var variables: [String: String]
    }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    var targets: [Target]

    init(contentsOf path: String) throws(Problem) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(description: "--targets \(path): cannot read the file (\(error.localizedDescription))")
        }
        try self.init(text: text, path: path)
    }

    init(text: String, path: String) throws(Problem) {
        var targets: [Target] = []
        var names: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            var variables: [String: String] = [:]
            var first: String?
            for pair in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw Problem(
                        description: "\(path):\(index + 1): \"\(pair)\" is not NAME=value; write the launch's "
                            + "variables as NAME=value pairs separated by spaces")
                }
                let name = String(pair[..<equals])
                let value = String(pair[pair.index(after: equals)...])
                if variables[name] != nil {
                    throw Problem(description: "\(path):\(index + 1): \(name) is given twice")
                }
                variables[name] = value
                first = first ?? value
            }
            var name = first ?? "line \(index + 1)"
            if !names.insert(name).inserted {
                name += "#\(index + 1)"
                names.insert(name)
            }
            targets.append(Target(name: name, line: index + 1, variables: variables))
        }
        guard !targets.isEmpty else { throw Problem(description: "--targets \(path): no targets in the file") }
        self.targets = targets
    }
}
