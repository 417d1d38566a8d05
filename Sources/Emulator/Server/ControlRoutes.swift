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
            EmulatorRoute(name: "control.health", method: "GET", pattern: "/_emulator/health", family: .emulator) {
                _, state in
                let (name, time) = await state.read { ($0.scenario.name, $0.now) }
                return .json(.object([("ok", .bool(true)), ("scenario", .string(name)), ("time", .number(time))]))
            },
            EmulatorRoute(name: "control.requests", method: "GET", pattern: "/_emulator/requests", family: .emulator) {
                _, state in
                let log = await state.requestLog().filter { !$0.route.hasPrefix("control.") }
                var counts: [String: Int] = [:]
                for record in log { counts[record.route, default: 0] += 1 }
                let requests: [JSONValue] = log.map { record in
                    var members: [(String, JSONValue)] = [
                        ("time", .number((record.time * 1000).rounded() / 1000)), ("method", .string(record.method)),
                        ("path", .string(record.path)), ("route", .string(record.route)),
                        ("status", .number(Double(record.status))),
                    ]
                    if let operation = record.operation { members.append(("operation", .string(operation))) }
                    if !record.query.isEmpty {
                        members.append(
                            (
                                "query",
                                .object(record.query.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
                            ))
                    }
                    if let body = record.body { members.append(("body", body)) }
                    return .object(members)
                }
                return .json(
                    .object([
                        ("total", .number(Double(log.count))),
                        (
                            "byRoute",
                            .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })
                        ),
                        ("requests", .array(requests)),
                    ]))
            },
            EmulatorRoute(name: "control.scenario", method: "POST", pattern: "/_emulator/scenario", family: .emulator) {
                request, state in
                do {
                    let scenario = try Scenario(json: request.body)
                    await state.load(scenario)
                    return .json(.object([("ok", .bool(true)), ("scenario", .string(scenario.name))]))
                } catch {
                    let found = (error as? ScenarioError)?.problems ?? [("$", "\(error)")]
                    let problems: [JSONValue] = found.map { JSONValue.string("\($0.path): \($0.message)") }
                    return .json(.object([("ok", .bool(false)), ("problems", .array(problems))]), status: 400)
                }
            },
            EmulatorRoute(name: "control.reset", method: "POST", pattern: "/_emulator/reset", family: .emulator) {
                _, state in
                await state.reset()
                return .json(.object([("ok", .bool(true))]))
            },
            EmulatorRoute(name: "control.advance", method: "POST", pattern: "/_emulator/advance", family: .emulator) {
                request, state in
                guard case .string(let text)? = request.json?["by"], let duration = DurationText.parse(text) else {
                    return .json(
                        .object([
                            ("ok", .bool(false)),
                            ("problems", .array([.string("by: expected a duration such as \"30s\"")])),
                        ]),
                        status: 400)
                }
                await state.advance(by: duration.seconds)
                return .json(.object([("ok", .bool(true)), ("time", .number(await state.now))]))
            },
        ]
    }
}
