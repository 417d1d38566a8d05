import Foundation
import LaunchWatchCore

/// Cloud Run Admin API v2: `GET /v2/projects/{project}/locations/{region}/jobs/{job}` (route
/// `cloudrun.job`) — the launch agent's job, which `launchwatch doctor` gets to prove access and the
/// job's name. A job exists when the scenario creates an execution of it (at any time); the answer
/// holds the fields a v2 `Job` always has (`name`, `uid`, `generation`, `createTime`,
/// `launchStage`). Another project is 403 naming `run.jobs.get`; an unknown job or region, 404.
extension EmulatorRoutes {
    static var cloudRunJob: [EmulatorRoute] {
        [
            EmulatorRoute(
                name: "cloudrun.job", method: .get, pattern: "/v2/projects/{project}/locations/{region}/jobs/{job}",
                family: .google, handler: getCloudRunJob)
        ]
    }

    @Sendable static func getCloudRunJob(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let denied = await GoogleError.authorize(request, state) { return denied }
        let project = request.parameters["project"] ?? ""
        let region = request.parameters["region"] ?? ""
        let job = request.parameters["job"] ?? ""
        let scenario = await state.scenario
        let resource = "projects/\(project)/locations/\(region)/jobs/\(job)"
        guard project == scenario.project || project == scenario.projectNumber else {
            return GoogleError.response(
                403, "Permission 'run.jobs.get' denied on resource '\(resource)' (or resource may not exist).",
                details: [PermissionDenial.errorInfo("run.jobs.get", domain: "run.googleapis.com", resource: resource)])
        }
        let exists = scenario.timeline.contains {
            if case .createExecution(_, let name) = $0.action { return name == job }
            return false
        }
        guard exists, region == scenario.region else {
            return GoogleError.response(
                404, "Resource '\(job)' of kind 'JOB' in region '\(region)' in project '\(project)' does not exist.")
        }
        return .wire(
            JobResource(
                name: "projects/\(project)/locations/\(region)/jobs/\(job)",
                uid: "00000000-0000-4000-8000-\(String(repeating: "0", count: 12))", generation: "1",
                createTime: "2026-01-01T00:00:00.000000Z", launchStage: "GA"))
    }
}
