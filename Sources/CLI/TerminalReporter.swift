import Foundation
import LaunchWatchCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The human view of a watch.
///
/// Live (standard output is a terminal): a block redrawn in place — a spinner with the elapsed time,
/// one line per stage with when it was reached, which provider told us and how long after the
/// backend's own timestamp, then provider warnings. Plain (a pipe or a file): one timestamped line
/// per event. Both end with a summary.
///
/// With `estimates` (from the launch history: at least 5 past launches of this pipeline and queue),
/// each stage not yet reached shows how long it usually takes, "usually within 8s (p90 of 23)", and
/// is marked overdue once the watch has run past that p90. The plain view prints the estimates once,
/// after its `started` line, and marks a stage reached later than its p90.
final class TerminalReporter: Reporter, Sendable {
    private struct State {
        var reached: [String: StageReached] = [:]
        var warnings: [String: String] = [:]
        var notices: [String] = []
        var detail: FailureDetail?
        var drawnLines = 0
        var frame = 0
        var finished = false
        /// Set once the summary is being written: no redraw may come after it.
        var closed = false
    }

    private let pipeline: Pipeline
    private let output: Output
    private let startedAt: Date
    private let live: Bool
    private let style: TerminalStyle
    private let redactor: SecretRedactor
    private let estimates: [String: StageEstimate]
    private let state = Mutex(State())

    init(
        pipeline: Pipeline, output: Output, startedAt: Date, live: Bool, colour: Bool, redactor: SecretRedactor,
        estimates: [String: StageEstimate] = [:]
    ) {
        self.estimates = estimates
        self.pipeline = pipeline
        self.output = output
        self.startedAt = startedAt
        self.live = live
        self.style = TerminalStyle(enabled: colour)
        self.redactor = redactor
    }

    /// Backend text made safe for a terminal: secrets redacted (before anything is cut), control
    /// characters (escape sequences that could clear the screen or retitle the window) removed,
    /// tabs as spaces; newlines kept.
    private func clean(_ text: String) -> String {
        let redacted = redactor.redact(text)
        var result = String.UnicodeScalarView()
        for scalar in redacted.unicodeScalars {
            switch scalar.value {
            case 0x0A: result.append(scalar)
            case 0x09: result.append(" ")
            case 0x00..<0x20, 0x7F..<0xA0: continue
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    /// The first line of `text`, cleaned, with a mark when lines were left out.
    private func firstLine(_ text: String) -> String {
        let lines = clean(text).split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return "" }
        return lines.count > 1 ? first + " …" : String(first)
    }

    func started(pipeline: Pipeline) {
        if live {
            redraw()
        } else {
            let providers = pipeline.providers.map(\.id).joined(separator: ", ")
            plain(startedAt, "started", "\(pipeline.name) (providers: \(providers))")
            for stage in pipeline.stages {
                guard let estimate = estimates[stage.id] else { continue }
                plain(startedAt, "expected", "\(stage.title)  \(estimate.hint)")
            }
        }
    }

    func handle(_ event: WatchEvent) {
        state.withLock { state in
            switch event {
            case .stage(let reached): state.reached[reached.stage.id] = reached
            case .provider(let change):
                state.warnings[change.provider] = change.health == .degraded ? firstLine(change.message) : nil
            case .notice(let provider, let message, _):
                state.notices.append(firstLine(provider.map { "\($0): \(message)" } ?? message))
            case .detail(let detail, _): state.detail = detail
            case .finished: state.finished = true
            default: break
            }
        }
        if live {
            redraw()
            return
        }
        switch event {
        case .stage(let reached):
            plain(
                reached.at, reached.inferred ? "inferred" : "reached",
                "\(reached.stage.title)  [\(how(reached))]\(lateness(reached))")
        case .provider(let change):
            plain(
                change.at, change.health == .degraded ? "degraded" : "recovered",
                "\(change.provider): \(change.message)")
        case .activated(let provider, let reason, let at):
            plain(at, "activated", "\(provider) (\(reason))")
        case .fact(let name, let value, let source, let at):
            plain(at, "fact", "\(name) = \(value) (from \(source))")
        case .detail(let detail, let at):
            plain(at, "detail", describe(detail))
        case .notice(let provider, let message, let at):
            plain(at, "notice", provider.map { "\($0): \(message)" } ?? message)
        case .finished, .observation, .pollFailed:
            break
        }
    }

    func tick() {
        guard live else { return }
        redraw()
    }

    func finished(_ result: WatchResult, signal: Int32?) {
        if live {
            redraw(final: true)
        }
        state.withLock { $0.closed = true }
        let elapsed = Self.format(seconds: result.at.timeIntervalSince(startedAt))
        let verdict: String
        switch result.outcome {
        case .success: verdict = style.green("succeeded") + " — reached \"\(result.stage?.title ?? "?")\""
        case .failure: verdict = style.red("FAILED") + " — \"\(result.stage?.title ?? "?")\""
        case .deadline:
            verdict =
                style.yellow("deadline passed") + " without an outcome"
                + (result.stage.map { "; last stage \"\($0.title)\"" } ?? "; no stage reached")
        case .interrupted:
            let name = signal == 15 ? "terminated" : "interrupted"
            verdict =
                style.yellow(name) + (result.stage.map { "; last stage \"\($0.title)\"" } ?? "; no stage reached yet")
        }
        var lines = ["", "\(pipeline.name): \(verdict) after \(elapsed)"]
        if !live {
            lines += summaryRows(result.timeline)
        }
        if let detail = result.detail {
            // Always in full, also after the live view (whose frame shows only its first line).
            lines.append("  why: " + describe(detail).replacingOccurrences(of: "\n", with: "\n       "))
        } else if result.outcome == .failure {
            lines.append("  why: no provider reported a failure detail")
        }
        output.write(lines.joined(separator: "\n") + "\n")
    }

    // MARK: - Rendering

    private func how(_ reached: StageReached) -> String {
        var parts = [reached.source]
        if let lag = reached.lag { parts.append("\(Self.format(seconds: lag.seconds)) after backend") }
        if reached.inferred { parts.append("inferred") }
        if let subject = reached.subject { parts.append(firstLine(subject)) }
        return parts.joined(separator: ", ")
    }

    /// " (later than usual: p90 8s)" for a stage reached after its estimate's p90; else empty.
    private func lateness(_ reached: StageReached) -> String {
        guard let estimate = estimates[reached.stage.id], !reached.inferred,
            reached.at.timeIntervalSince(startedAt) > estimate.limit
        else { return "" }
        return " (later than usual: p90 \(StageEstimate.short(estimate.p90)))"
    }

    private func describe(_ detail: FailureDetail) -> String {
        var text = clean(detail.message)
        var origin: [String] = []
        if let code = detail.code { origin.append("code \(code)") }
        if let source = detail.source { origin.append("from \(source)") }
        if !origin.isEmpty { text += " (\(origin.joined(separator: ", ")))" }
        return text
    }

    private func plain(_ at: Date, _ label: String, _ text: String) {
        let body = clean(text).replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: 24))
        output.line("\(Self.clockTime(at))  \(label.padding(toLength: 9, withPad: " ", startingAt: 0)) \(body)")
    }

    private func summaryRows(_ timeline: [StageReached]) -> [String] {
        let reached = Dictionary(timeline.map { ($0.stage.id, $0) }, uniquingKeysWith: { first, _ in first })
        let width = pipeline.stages.map(\.title.count).max() ?? 0
        return pipeline.stages.map { stage in
            let title = stage.title.padding(toLength: width, withPad: " ", startingAt: 0)
            guard let entry = reached[stage.id] else { return "  ·  \(stage.title)" }
            let mark = entry.inferred ? "~" : (stage.outcome == .failure ? "✗" : "✓")
            let offset = "+" + Self.format(seconds: entry.at.timeIntervalSince(startedAt))
            return
                "  \(mark)  \(title)  \(offset.padding(toLength: 8, withPad: " ", startingAt: 0))[\(how(entry))]\(lateness(entry))"
        }
    }

    private static let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    private func redraw(final: Bool = false) {
        let columns = TerminalSize.columns(of: output.descriptor)
        // Built and written under the lock: a tick and an event must not interleave their frames.
        state.withLock { state in
            guard !state.closed else { return }
            state.frame += 1
            let now = Date()
            var lines: [String] = []
            let elapsed = Self.format(seconds: now.timeIntervalSince(startedAt))
            let head = final || state.finished ? " " : Self.spinner[state.frame % Self.spinner.count]
            lines.append("\(style.bold(head)) \(style.bold(pipeline.name))  \(style.dim(elapsed))")
            let width = pipeline.stages.map(\.title.count).max() ?? 0
            for stage in pipeline.stages {
                let title = stage.title.padding(toLength: width, withPad: " ", startingAt: 0)
                guard let entry = state.reached[stage.id] else {
                    var line = "  \(style.dim("·"))  \(style.dim(title))"
                    if let estimate = estimates[stage.id] {
                        let overdue = !(final || state.finished) && now.timeIntervalSince(startedAt) > estimate.limit
                        line +=
                            overdue ? "  " + style.yellow("overdue: \(estimate.hint)") : "  " + style.dim(estimate.hint)
                    }
                    lines.append(line)
                    continue
                }
                let mark: String
                if entry.inferred {
                    mark = style.dim("~")
                } else if stage.outcome == .failure {
                    mark = style.red("✗")
                } else {
                    mark = style.green("✓")
                }
                let offset = "+" + Self.format(seconds: entry.at.timeIntervalSince(startedAt))
                lines.append(
                    "  \(mark)  \(title)  \(offset.padding(toLength: 8, withPad: " ", startingAt: 0))\(style.dim(how(entry)))"
                )
            }
            for (provider, warning) in state.warnings.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(style.yellow("!"))  \(provider) degraded: \(warning)")
            }
            for notice in state.notices.suffix(3) {
                lines.append("  \(style.dim("i"))  \(notice)")
            }
            if let detail = state.detail {
                lines.append("  \(style.red("why"))  \(firstLine(describe(detail)))")
            }
            let up = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)F\u{1B}[J" : ""
            state.drawnLines = lines.count
            // Lines are cut to the terminal's width (after redaction): a wrapped line would break the
            // redraw.
            let frame = lines.map { style.fit(redactor.redact($0), width: columns) }.joined(separator: "\n")
            output.write(up + frame + "\n")
        }
    }

    static func format(seconds: Double) -> String {
        let seconds = max(0, seconds)
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds)
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", (whole % 3600) / 60))m"
    }

    static func clockTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss.SSS"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: date)
    }
}

/// ANSI styling that turns itself off (NO_COLOR, not a terminal).
struct TerminalStyle: Sendable {
    let enabled: Bool

    private func wrap(_ code: String, _ text: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { wrap("1", text) }
    func dim(_ text: String) -> String { wrap("2", text) }
    func red(_ text: String) -> String { wrap("31", text) }
    func green(_ text: String) -> String { wrap("32", text) }
    func yellow(_ text: String) -> String { wrap("33", text) }

    /// `text` cut to `width` visible characters (ANSI sequences pass through), ending in "…" when cut.
    func fit(_ text: String, width: Int) -> String {
        var visible = 0
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            if character == "\u{1B}" {
                result.append(character)
                while let next = iterator.next() {
                    result.append(next)
                    if next.isLetter { break }
                }
                continue
            }
            if visible == width - 1 {
                var rest = String(character)
                while let next = iterator.next() { rest.append(next) }
                let restVisible = rest.replacing(/\u{1B}\[[0-9;]*[A-Za-z]/, with: "")
                if restVisible.count <= 1 {
                    result += rest
                } else {
                    result += "…" + (enabled ? "\u{1B}[0m" : "")
                }
                return result
            }
            result.append(character)
            visible += 1
        }
        return result
    }
}

/// The width of the terminal, for the live view.
enum TerminalSize {
    static func columns(of descriptor: Int32) -> Int {
        var size = winsize()
        #if canImport(Glibc)
            let request = UInt(TIOCGWINSZ)
        #else
            let request = TIOCGWINSZ
        #endif
        if ioctl(descriptor, request, &size) == 0, size.ws_col > 10 { return Int(size.ws_col) }
        return 100
    }
}
