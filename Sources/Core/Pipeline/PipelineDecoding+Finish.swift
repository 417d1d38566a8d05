#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `finish`: its shape from `FinishSection`; the stages that end a watch (declared ones), its deadline and how long to wait for detail.
extension PipelineDecoding {
    mutating func finish(_ value: JSONValue?, at path: JSONPath, stages: [Stage]) -> FinishPolicy {
        var finish = FinishPolicy()
        guard let value, let section = reader.decode(FinishSection.self, from: value, at: path) else { return finish }
        for (id, idPath) in section.on where reader.checkStageReference(id, at: idPath, stages: stages) {
            finish.on.insert(id)
        }
        if let deadline = section.deadline,
            let duration = reader.duration(FinishSection.deadlineKey, .string(deadline.text), at: path)
        {
            finish.deadline = duration
        }
        if let detailWait = section.detailWait,
            let duration = reader.duration(FinishSection.detailWaitKey, .string(detailWait.text), at: path)
        {
            finish.detailWait = duration
        }
        return finish
    }

}
