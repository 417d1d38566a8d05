import Foundation
import LaunchWatchCore

/// The batch poll both W&B kinds share (`BatchPolling`): the instances that can be asked for in one
/// aliased field go in one request per base URL and key (per `aliasesPerDocument` fields), the
/// others poll on their own; all at once.
protocol WandbBatchPolled: Provider {
    /// The batched query's operation name.
    static var batchOperation: String { get }
    var client: WandbAPIClient { get }
    /// This instance's `project` field under an alias and with variables numbered `number`; `nil`
    /// when it polls on its own.
    func batchField(number: Int) -> WandbAPIClient.AliasedField?
    /// What `poll` reports for the answer `project` (the `project` field, `nil` or null when absent).
    func result(project: JSONValue?) throws(ProviderError) -> PollResult
}

extension WandbBatchPolled {
    static func pollInBatches(_ batch: [Self], _ context: PollContext) async -> [Result<PollResult, ProviderError>] {
        var groups: [(key: String, members: [(index: Int, field: WandbAPIClient.AliasedField)])] = []
        var alone: [Int] = []
        for (index, provider) in batch.enumerated() {
            let key = provider.client.batchGroup
            let position = groups.firstIndex { $0.key == key } ?? groups.count
            if position == groups.count { groups.append((key, [])) }
            if let field = provider.batchField(number: groups[position].members.count) {
                groups[position].members.append((index, field))
            } else {
                alone.append(index)
            }
        }
        var answers = [Result<PollResult, ProviderError>?](repeating: nil, count: batch.count)
        await withTaskGroup(of: [(Int, Result<PollResult, ProviderError>)].self) { tasks in
            for group in groups where !group.members.isEmpty {
                tasks.addTask {
                    let client = batch[group.members[0].index].client
                    let values = await client.query(batch: group.members.map(\.field), operation: batchOperation)
                    return zip(group.members, values).map { member, value in
                        (member.index, value.flatMap { project in batch[member.index].resultCatching(project) })
                    }
                }
            }
            for index in alone {
                tasks.addTask { [(index, await batch[index].pollCatching(context))] }
            }
            for await results in tasks {
                for (index, result) in results { answers[index] = result }
            }
        }
        return answers.map {
            $0 ?? .failure(ProviderError(code: .internal, message: "\(kind) gave a target no answer"))
        }
    }

    private func resultCatching(_ project: JSONValue) -> Result<PollResult, ProviderError> {
        do {
            return .success(try result(project: project))
        } catch {
            return .failure(error)
        }
    }

    /// `poll`, with its errors as the watch reports them.
    private func pollCatching(_ context: PollContext) async -> Result<PollResult, ProviderError> {
        await pollResult(context)
    }
}
