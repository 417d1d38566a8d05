import LaunchWatchCore
import Testing

@testable import LaunchWatchEmulator

/// The encoder the emulator writes its wire types with: members in declaration order (the proto's
/// field order, which the tests of each service check), maps sorted, absent optionals left out.
@Suite("Emulator JSONValueEncoder")
struct JSONValueEncoderTests {
    private struct Resource: Encodable {
        var name: String
        var displayName: String
        var state: String?
        var createTime: String
        var labels: StringMap
        var replicaCount: Int
        var ratio: Double
        var done: Bool
        var spec: Spec
        var pools: [Spec]
    }

    private struct Spec: Encodable {
        var zeta: String
        var alpha: Int
    }

    private func resource(state: String?) -> Resource {
        Resource(
            name: "projects/p/locations/l/customJobs/1", displayName: "train", state: state,
            createTime: "2026-12-07T00:00:00Z", labels: StringMap(["z": "1", "a": "2", "m": "3"]),
            replicaCount: 3, ratio: 0.5, done: false, spec: Spec(zeta: "z", alpha: 1),
            pools: [Spec(zeta: "y", alpha: 2), Spec(zeta: "x", alpha: 3)])
    }

    @Test func membersComeInDeclarationOrderAndMapsSorted() throws {
        let json = try JSONValueEncoder().encode(resource(state: "JOB_STATE_RUNNING"))
        #expect(
            json.jsonText
                == #"{"name":"projects/p/locations/l/customJobs/1","displayName":"train","state":"JOB_STATE_RUNNING","#
                + #""createTime":"2026-12-07T00:00:00Z","labels":{"a":"2","m":"3","z":"1"},"replicaCount":3,"#
                + #""ratio":0.5,"done":false,"spec":{"zeta":"z","alpha":1},"#
                + #""pools":[{"zeta":"y","alpha":2},{"zeta":"x","alpha":3}]}"#)
    }

    @Test func anAbsentOptionalIsLeftOutNotWrittenAsNull() throws {
        let json = try JSONValueEncoder().encode(resource(state: nil))
        guard case .object(let members) = json else {
            Issue.record("not an object: \(json.jsonText)")
            return
        }
        #expect(
            members.map(\.key) == [
                "name", "displayName", "createTime", "labels", "replicaCount", "ratio", "done", "spec", "pools",
            ])
    }

    @Test func theSameValueIsTheSameBytesEachTime() throws {
        let texts = try (0..<20).map { _ in try JSONValueEncoder().encode(resource(state: "S")).jsonText }
        #expect(Set(texts).count == 1)
    }
}
