import Foundation
import LaunchWatchCore

/// Pipelines and recordings written into a fresh temporary folder for one test.
struct Fixtures {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "launchwatch-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The repository's root, found from this source file.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func write(recording name: String, _ entries: [RecordingEntry]) throws {
        try write(name, entries.map { $0.jsonLine() }.joined(separator: "\n") + "\n")
    }

    /// The seed flow's stages with one replay provider per recorded provider id, played `speed`
    /// times faster.
    func replayPipeline(
        recording: String, speed: Double = 20, providers: [String] = ["queue", "vertex"],
        detailProvider: String? = nil, finishOn: [String] = [], deadline: String = "1m", detailWait: String = "30s"
    ) -> String {
        var entries = providers.map { id in
            #"{"id": "\#(id)", "type": "replay", "config": {"file": "\#(recording)", "provider": "\#(id)", "speed": \#(speed)}}"#
        }
        if let detailProvider {
            entries.append(
                #"{"id": "\#(detailProvider)", "type": "replay", "config": {"file": "\#(recording)", "provider": "\#(detailProvider)", "speed": \#(speed)}, "activate": {"when": "failureWithoutDetail"}, "map": {"ERROR": null}}"#
            )
        }
        let on = finishOn.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            {
              "version": 1,
              "name": "test flow",
              "stages": [
                {"id": "queued", "title": "Queued"},
                {"id": "picked_up", "title": "Picked up"},
                {"id": "submitted", "title": "Submitted"},
                {"id": "running", "title": "Running"},
                {"id": "succeeded", "title": "Succeeded", "outcome": "success"},
                {"id": "failed", "title": "Failed", "outcome": "failure"}
              ],
              "providers": [
                \(entries.joined(separator: ",\n    "))
              ],
              "finish": {"on": [\(on)], "deadline": "\(deadline)", "detailWait": "\(detailWait)"}
            }
            """
    }

    static let successRecording: [RecordingEntry] = [
        RecordingEntry(at: 0.4, provider: "queue", status: "PENDING", stage: "queued", backendAt: 0.1),
        RecordingEntry(
            at: 2.2, provider: "queue", status: "CLAIMED", stage: "picked_up", backendAt: 1.9,
            facts: ["run_id": "k3x9ab12"]),
        RecordingEntry(at: 7.3, provider: "vertex", status: "JOB_STATE_RUNNING", stage: "running", backendAt: 6.8),
        RecordingEntry(
            at: 14.2, provider: "vertex", status: "JOB_STATE_SUCCEEDED", stage: "succeeded", backendAt: 13.9),
    ]

    static let failureRecording: [RecordingEntry] = [
        RecordingEntry(at: 0.3, provider: "queue", status: "PENDING", stage: "queued"),
        RecordingEntry(at: 3.9, provider: "vertex", status: "JOB_STATE_QUEUED", stage: "submitted"),
        RecordingEntry(
            at: 9.5, provider: "vertex", status: "JOB_STATE_FAILED", stage: "failed", backendAt: 8.7,
            detail: FailureDetail(code: "8", message: "Replicas low on disk: workerpool0.")),
    ]
}

/// One NDJSON line, parsed.
struct EventLine {
    let value: JSONValue

    init?(_ line: String) {
        guard let value = try? JSONParser.parse(line), case .object = value else { return nil }
        self.value = value
    }

    var type: String? { string("type") }

    func string(_ key: String) -> String? {
        if case .string(let text)? = value[key] { return text }
        return nil
    }

    func bool(_ key: String) -> Bool? {
        if case .bool(let flag)? = value[key] { return flag }
        return nil
    }
}

extension LaunchWatchProcess.Finished {
    /// Every stdout line as an event; `nil` if any line is not a JSON object.
    var events: [EventLine]? {
        let parsed = lines.map(EventLine.init)
        return parsed.contains { $0 == nil } ? nil : parsed.compactMap { $0 }
    }
}
