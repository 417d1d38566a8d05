import Synchronization

/// A provider kind that polls for many targets of a sweep (`launchwatch run --targets`) in one go,
/// so that requests per tick do not grow with the number of launches watched.
///
/// In a sweep every target has its own instance of each pipeline provider, made from that target's
/// configuration (its variables and facts filled in). When a provider is due, the engine hands the
/// instances of all due targets to `poll(batch:memory:_:)` at once; kinds that do not conform are
/// polled one instance at a time.
///
/// ```swift
/// extension MyProvider: BatchPolling {
///     static func poll(batch: [MyProvider], memory: BatchMemory, _ context: PollContext) async
///         -> [Result<PollResult, ProviderError>]
///     {
///         // one request for every instance's item, then one answer per instance, in order
///     }
/// }
/// ```
public protocol BatchPolling: Provider {
    /// One poll for all of `batch`: exactly one answer per instance, in the same order. The requests
    /// it sends must not grow with `batch.count` (beyond paging a long answer). `memory` is the
    /// engine's, kept across the polls of this provider (a cursor, a last-seen time).
    static func poll(batch: [Self], memory: BatchMemory, _ context: PollContext) async
        -> [Result<PollResult, ProviderError>]
}

extension RegisteredProvider {
    /// A batch poller for a kind that conforms to `BatchPolling`.
    static func batchPoller<B: BatchPolling>(_ type: B.Type) -> BatchPoller {
        { providers, memory, context in
            let typed = providers.compactMap { $0 as? B }
            guard typed.count == providers.count else {
                let error = ProviderError(code: .internal, message: "a batch mixed provider kinds")
                return providers.map { _ in .failure(error) }
            }
            let answers = await B.poll(batch: typed, memory: memory, context)
            guard answers.count == providers.count else {
                let error = ProviderError(
                    code: .internal, message: "\(B.kind) answered \(answers.count) of \(providers.count) targets")
                return providers.map { _ in .failure(error) }
            }
            return answers
        }
    }
}

extension Provider {
    /// One poll, whatever it throws read as a `ProviderError` (a cancellation as `cancelled`): how the
    /// engine, and a batch that polls some instances on their own, take a poll's answer.
    public func pollResult(_ context: PollContext) async -> Result<PollResult, ProviderError> {
        do {
            return .success(try await poll(context))
        } catch let error as ProviderError {
            return .failure(error)
        } catch is CancellationError {
            return .failure(ProviderError(code: .cancelled, message: "the poll was cancelled"))
        } catch {
            return .failure(ProviderError(code: .unexpected, message: "\(error)"))
        }
    }
}

/// Polls each of `providers` on its own, all at once; the answers in their order. For the kinds that
/// do not batch, and for the instances of a batch that cannot be combined.
public func pollEach(_ providers: [any Provider], _ context: PollContext) async -> [Result<PollResult, ProviderError>] {
    await withTaskGroup(of: (Int, Result<PollResult, ProviderError>).self) { group in
        for (index, provider) in providers.enumerated() {
            group.addTask { (index, await provider.pollResult(context)) }
        }
        var answers = [Result<PollResult, ProviderError>](repeating: .success(PollResult()), count: providers.count)
        for await (index, answer) in group { answers[index] = answer }
        return answers
    }
}
