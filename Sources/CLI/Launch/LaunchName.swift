import Foundation

/// The name `launchwatch launch` follows a launch by, fixed before the command starts.
///
/// In order: the `--name` the command already has (`--name N` or `--name=N`); else, for `wandb
/// launch` (the `wandb` executable by any path, or `python -m wandb launch`), a generated unique
/// name added to the command as `--name` — the image or job name and a short random suffix, such as
/// `busybox-k3x9ab`; else `--var name=…`; else a generated name the command can read from
/// `LAUNCHWATCH_LAUNCH_NAME` (to give it to `launch_add(name=…)`).
///
/// For `wandb launch`, the command's own `--entity`/`-e`, `--queue`/`-q` and `--project`/`-p` also
/// become the pipeline's `entity`, `queue` and `wandbProject` unless `--var` gives them.
struct LaunchName: Equatable {
    /// The command to run (with `--name` added when it was generated for `wandb launch`).
    var command: [String]
    var name: String
    /// Pipeline variables read from the command (`entity`, `queue`, `wandbProject`).
    var variables: [String: String]

    init(command: [String], variables given: [String: String], suffix: () -> String = LaunchName.randomSuffix) {
        self.command = command
        self.variables = [:]
        let launchIndex = Self.wandbLaunchIndex(command)
        if let launchIndex {
            let arguments = Array(command[(launchIndex + 1)...])
            for (names, variable) in [
                (["--entity", "-e"], "entity"), (["--queue", "-q"], "queue"), (["--project", "-p"], "wandbProject"),
            ] {
                if given[variable] == nil, let value = Self.value(of: names, in: arguments) {
                    variables[variable] = value
                }
            }
        }
        if let own = Self.value(of: ["--name"], in: command) {
            name = own
        } else if let launchIndex {
            let arguments = Array(command[(launchIndex + 1)...])
            let base =
                Self.value(of: ["--docker-image", "-d"], in: arguments).map(Self.imageName)
                ?? Self.value(of: ["--job", "-j"], in: arguments).map(Self.jobName) ?? "launch"
            name = Self.readable(base) + "-" + suffix()
            self.command.insert(contentsOf: ["--name", name], at: launchIndex + 1)
        } else if let given = given["name"] {
            name = given
        } else {
            name = "launch-" + suffix()
        }
    }

    /// The index of `launch` when the command is `wandb launch` (any path to `wandb`) or
    /// `python… -m wandb launch`.
    static func wandbLaunchIndex(_ command: [String]) -> Int? {
        guard let executable = command.first.map({ URL(fileURLWithPath: $0).lastPathComponent }) else { return nil }
        if executable == "wandb" {
            return command.count > 1 && command[1] == "launch" ? 1 : nil
        }
        guard executable.hasPrefix("python") else { return nil }
        // python [interpreter options] -m wandb launch
        guard let module = command.firstIndex(of: "-m"), module + 2 < command.count, command[module + 1] == "wandb",
            command[module + 2] == "launch"
        else { return nil }
        return module + 2
    }

    /// The value of the first of `names` in `arguments` (`--name value` or `--name=value`); the
    /// search stops at `--`, after which nothing is an option.
    static func value(of names: [String], in arguments: [String]) -> String? {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return nil }
            for name in names {
                if argument == name, index + 1 < arguments.count { return arguments[index + 1] }
                if name.hasPrefix("--"), argument.hasPrefix(name + "=") {
                    return String(argument.dropFirst(name.count + 1))
                }
            }
            index += 1
        }
        return nil
    }

    /// `us-docker.pkg.dev/p/r/trainer:1.2` → `trainer`.
    static func imageName(_ image: String) -> String {
        var name = image.split(separator: "@").first.map(String.init) ?? image
        name = name.split(separator: "/").last.map(String.init) ?? name
        return name.split(separator: ":").first.map(String.init) ?? name
    }

    /// `my-team/project/trainer-job:latest` → `trainer-job`.
    static func jobName(_ job: String) -> String { imageName(job) }

    /// Lowercase letters, digits and dashes (a name that is also a valid Vertex AI display name and
    /// label value), at most 40 characters.
    static func readable(_ base: String) -> String {
        var result = ""
        for character in base.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                result.append(character)
            } else if !result.hasSuffix("-"), !result.isEmpty {
                result.append("-")
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        let cut = String(result.prefix(40))
        return cut.isEmpty ? "launch" : cut
    }

    /// Six lowercase letters and digits: 2 billion names, so two launches of one job never share one.
    static func randomSuffix() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<6).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}
