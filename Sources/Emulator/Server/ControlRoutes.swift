import Foundation
import LaunchWatchCore

/// `/_emulator/...`: drive the emulator from tests and scripts.
///
/// - `GET /_emulator/health` → `{"ok": true, "scenario": NAME, "time": SECONDS}`
/// - `GET /_emulator/requests` → `{"total": N, "byRoute": {"vertex.list": 3, ...}, "requests": [...]}`
///   (control requests are not counted)
/// - `POST /_emulator/scenario` with a scenario as the body: load it and start it from time 0
/// - `POST /_emulator/reset`: start the current scenario again from time 0, request log emptied
/// - `POST /_emulator/advance` with `{"by": "30s"}`: move scenario time forward
extension EmulatorRoutes {
    static var control: [EmulatorRoute] {
        [
            EmulatorRoute(name: "control.health", method: .get, pattern: "/_emulator/health", family: .emulator) {
                _, state in
                let (name, time) = await state.read { ($0.scenario.name, $0.now) }
                return .json(ControlAnswer.Health(ok: true, scenario: name, time: time))
            },
            EmulatorRoute(name: "control.requests", method: .get, pattern: "/_emulator/requests", family: .emulator) {
                _, state in
                .json(ControlAnswer.RequestLog(await state.requestLog()))
            },
            EmulatorRoute(name: "control.scenario", method: .post, pattern: "/_emulator/scenario", family: .emulator) {
                request, state in
                do {
                    let scenario = try Scenario(json: request.body)
                    await state.load(scenario)
                    return .json(ControlAnswer.Loaded(ok: true, scenario: scenario.name))
                } catch {
                    let found = (error as? ScenarioError)?.problems ?? [("$", "\(error)")]
                    return .json(
                        ControlAnswer.Refused(problems: found.map { "\($0.path): \($0.message)" }), status: 400)
                }
            },
            EmulatorRoute(name: "control.reset", method: .post, pattern: "/_emulator/reset", family: .emulator) {
                _, state in
                await state.reset()
                return .json(ControlAnswer.Done(ok: true))
            },
            EmulatorRoute(name: "control.advance", method: .post, pattern: "/_emulator/advance", family: .emulator) {
                request, state in
                guard case .string(let text)? = request.json?["by"], let duration = DurationText.parse(text) else {
                    return .json(
                        ControlAnswer.Refused(problems: ["by: expected a duration such as \"30s\""]), status: 400)
                }
                await state.advance(by: duration.seconds)
                return .json(ControlAnswer.Advanced(ok: true, time: await state.now))
            },
        ]
    }
}

/// The control API's answers, in their wire form.
enum ControlAnswer {
    /// `GET /_emulator/health`.
    struct Health: Encodable {
        var ok: Bool
        var scenario: String
        /// Scenario seconds since the start.
        var time: Double
    }

    /// `POST /_emulator/scenario` that loaded the scenario.
    struct Loaded: Encodable {
        var ok: Bool
        var scenario: String
    }

    /// `POST /_emulator/reset`.
    struct Done: Encodable {
        var ok: Bool
    }

    /// `POST /_emulator/advance`: the scenario time now.
    struct Advanced: Encodable {
        var ok: Bool
        var time: Double
    }

    /// A control request the emulator refuses (400): every problem, with its path.
    struct Refused: Encodable {
        var ok = false
        var problems: [String]
    }

    /// `GET /_emulator/requests`: the request log without the control API's own requests.
    struct RequestLog: Encodable {
        var total: Int
        /// Requests per route name (`unknown` for requests no route matched).
        var byRoute: [String: Int]
        var requests: [Entry]

        init(_ log: [RequestRecord]) {
            let served = log.filter { !$0.route.hasPrefix("control.") }
            total = served.count
            byRoute = served.reduce(into: [:]) { counts, record in counts[record.route, default: 0] += 1 }
            requests = served.map(Entry.init)
        }

        /// One request: `operation`, `query` and `body` only when the record has them.
        struct Entry: Encodable {
            /// Scenario seconds, to the millisecond.
            var time: Double
            var method: String
            var path: String
            var route: String
            var status: Int
            var operation: String?
            var query: [String: String]?
            var body: JSONValue?

            init(_ record: RequestRecord) {
                time = (record.time * 1000).rounded() / 1000
                method = record.method
                path = record.path
                route = record.route
                status = record.status
                operation = record.operation
                query = record.query.isEmpty ? nil : record.query
                body = record.body
            }
        }
    }
}
