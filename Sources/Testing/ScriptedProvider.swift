import Foundation
import LaunchWatchCore
import Synchronization

/// Kind `scripted`: a provider whose polls answer from a `ProviderScript` a test writes, and which
/// logs what the engine did with it (when it was created, with which configuration, when it polled).
///
/// A test makes a script, puts `script.configuration()` in the provider's spec and reads the log
/// after driving the engine. The configuration names the script by a unique id because the engine
/// creates providers from JSON; scripts are kept for the life of the test process.
///
/// ```swift
/// let script = ProviderScript([.observe("PENDING"), .observe("CLAIMED", facts: ["run_id": "r1"])])
/// let spec = ProviderSpec(id: "queue", registration: registration, configuration: script.configuration())
/// ```
public struct ScriptedProvider: Provider {
    public struct Configuration: Decodable, Sendable, Hashable {
        /// The id of the `ProviderScript` to answer from.
        public var script: String
        /// A free string a test may fill with references such as `${fact.run_id}` to watch them being
        /// substituted.
        public var filter: String?
    }

    public static let kind = "scripted"
    public static let summary = "Answers polls from a test's script."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("script", .string, required: true, "the id of the test's ProviderScript"),
        ConfigurationField("filter", .string, "any string; recorded as received"),
    ]
    /// A script may publish any fact.
    public static let publishedFacts: [String]? = nil

    private let script: ProviderScript

    public init(configuration: Configuration, context: ProviderContext) throws {
        guard let script = ProviderScript.named(configuration.script) else {
            throw ProviderError(code: .unknownScript, message: "no script \"\(configuration.script)\"")
        }
        script.recordCreation(configuration)
        self.script = script
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        try await script.answer(context)
    }
}

/// What a `ScriptedProvider` answers, poll by poll, and the log of what happened to it.
///
/// Thread-safe. A `.waitForRelease` step suspends its poll until `release()` is called or the poll's
/// task is cancelled (then the poll throws `CancellationError`); only one poll of a script may wait
/// at a time, as the engine never polls a provider concurrently with itself.
public final class ProviderScript: Sendable {
    /// One poll's answer.
    public enum Step: Sendable {
        case answer(PollResult)
        case fail(ProviderError)
        /// Waits for `release()`, then answers.
        case waitForRelease(PollResult)

        /// An answer with one observation.
        public static func observe(
            _ status: String, facts: [String: String] = [:], detail: FailureDetail? = nil
        ) -> Step {
            .answer(PollResult([Observation(status: status, detail: detail, facts: facts)]))
        }
    }

    private struct Log {
        var remaining: [Step]
        var creations: [ScriptedProvider.Configuration] = []
        var polls: [PollContext] = []
        var pollWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// The script's id, as `ScriptedProvider.Configuration.script` names it.
    public let id: String
    private let last: Step
    private let log: Mutex<Log>
    private let gate: AsyncStream<Void>
    private let gateContinuation: AsyncStream<Void>.Continuation

    private static let scripts = Mutex<[String: ProviderScript]>([:])

    /// A script answering `steps` in order, then repeating the last one (or answering nothing when
    /// `steps` is empty).
    public init(_ steps: [Step]) {
        id = UUID().uuidString
        last = steps.last ?? .answer(PollResult())
        log = Mutex(Log(remaining: steps))
        (gate, gateContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .unbounded)
        Self.scripts.withLock { $0[id] = self }
    }

    static func named(_ id: String) -> ProviderScript? {
        scripts.withLock { $0[id] }
    }

    /// The provider configuration that selects this script; `filter` is passed through as written.
    public func configuration(filter: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("script", .string(id))]
        if let filter { members.append(("filter", .string(filter))) }
        return .object(members)
    }

    /// The configurations providers were created with, in order.
    public var creations: [ScriptedProvider.Configuration] { log.withLock { $0.creations } }

    /// The polls made so far (counted when they start), in order.
    public var polls: [PollContext] { log.withLock { $0.polls } }

    /// The times of the polls, as seconds since the watch started.
    public var pollOffsets: [TimeInterval] { polls.map { $0.now.timeIntervalSince($0.startedAt) } }

    /// Suspends until at least `count` polls have started.
    public func waitForPolls(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = log.withLock { log -> Bool in
                if log.polls.count >= count { return true }
                log.pollWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Lets one waiting (or the next) `.waitForRelease` poll answer.
    public func release() {
        gateContinuation.yield()
    }

    func recordCreation(_ configuration: ScriptedProvider.Configuration) {
        log.withLock { $0.creations.append(configuration) }
    }

    func answer(_ context: PollContext) async throws -> PollResult {
        let (step, ready) = log.withLock { log -> (Step, [CheckedContinuation<Void, Never>]) in
            log.polls.append(context)
            let count = log.polls.count
            let ready = log.pollWaiters.filter { $0.count <= count }.map(\.continuation)
            log.pollWaiters.removeAll { $0.count <= count }
            return (log.remaining.isEmpty ? last : log.remaining.removeFirst(), ready)
        }
        for continuation in ready { continuation.resume() }
        switch step {
        case .answer(let result):
            return result
        case .fail(let error):
            throw error
        case .waitForRelease(let result):
            var iterator = gate.makeAsyncIterator()
            guard await iterator.next() != nil else { throw CancellationError() }
            try Task.checkCancellation()
            return result
        }
    }
}

extension ProviderError.Code {
    /// `unknown_script`: a `scripted` provider's configuration names no `ProviderScript` of this process.
    fileprivate static let unknownScript: Self = "unknown_script"
}
