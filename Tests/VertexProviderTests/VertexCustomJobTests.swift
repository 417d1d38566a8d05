import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import Testing

@Suite("VertexCustomJob from the REST JSON")
struct VertexCustomJobTests {
    @Test("reads the fields a watch needs and ignores the ones it does not")
    func readsAJob() throws {
        let json = try JSONParser.parse(
            #"""
            {"name": "projects/p/locations/us-central1/customJobs/123", "displayName": "train",
             "jobSpec": {"workerPoolSpecs": []}, "state": "JOB_STATE_FAILED",
             "createTime": "2026-12-07T10:00:00Z", "startTime": "2026-12-07T10:01:00.5Z",
             "endTime": "2026-12-07T10:02:00Z", "updateTime": "2026-12-07T10:02:01Z",
             "labels": {"wandb-run-id": "abc"}, "error": {"code": 3, "message": "replica exited", "details": []}}
            """#)
        let job = try #require(VertexCustomJob(json: json))
        #expect(job.id == "123")
        #expect(job.displayName == "train")
        #expect(job.state == "JOB_STATE_FAILED")
        #expect(job.startTime == RFC3339.date(from: "2026-12-07T10:01:00.5Z"))
        #expect(job.endTime == RFC3339.date(from: "2026-12-07T10:02:00Z"))
        #expect(job.labels == ["wandb-run-id": "abc"])
        #expect(job.errorCode == 3)
        #expect(job.errorMessage == "replica exited")
    }

    @Test("a field of the wrong type is left out, never the job")
    func leavesOutOddFields() throws {
        let json = try JSONParser.parse(
            #"""
            {"name": "projects/p/locations/l/customJobs/9", "state": "JOB_STATE_RUNNING", "displayName": 5,
             "startTime": "yesterday", "labels": {"a": "b", "n": 1}, "error": {"code": 1.5, "message": "m"}}
            """#)
        let job = try #require(VertexCustomJob(json: json))
        #expect(job.displayName == "")
        #expect(job.startTime == nil)
        #expect(job.labels == ["a": "b"])
        #expect(job.errorCode == nil)
        #expect(job.errorMessage == "m")
    }

    @Test(
        "a job without a name or a state is not a job",
        arguments: [
            #"{"state": "JOB_STATE_RUNNING"}"#, #"{"name": "", "state": "JOB_STATE_RUNNING"}"#,
            #"{"name": "projects/p/locations/l/customJobs/9"}"#, #"{"name": 9, "state": "JOB_STATE_RUNNING"}"#, "[]",
        ])
    func refusesAJobWithoutNameOrState(json: String) throws {
        #expect(VertexCustomJob(json: try JSONParser.parse(json)) == nil)
    }
}
