import Foundation
import LaunchWatchCore

/// Cloud Run Admin API v2: `GET /v2/projects/{project}/locations/{region}/jobs/{job}/executions/{execution}`
/// (route `cloudrun.execution`) — the launch agent's job execution, with its `conditions`.
///
/// `{project}` is the scenario's project id or number (another project: 403, as the service answers
/// a caller without access), `{region}` the scenario's region; an execution the scenario has not
/// created (yet), or one of another job, is the service's 404.
extension EmulatorRoutes {
    static let cloudRunExecution = "/v2/projects/{project}/locations/{region}/jobs/{job}/executions/{execution}"

    static var cloudRun: [EmulatorRoute] {
        [
            EmulatorRoute(
                name: "cloudrun.execution", method: .get, pattern: cloudRunExecution, family: .google,
                handler: getExecution)
        ]
    }

    @Sendable static func getExecution(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let denied = await GoogleError.authorize(request, state) { return denied }
        let project = request.parameters["project"] ?? ""
        let region = request.parameters["region"] ?? ""
        let job = request.parameters["job"] ?? ""
        let id = request.parameters["execution"] ?? ""
        let scenario = await state.scenario
        guard project == scenario.project || project == scenario.projectNumber else {
            return GoogleError.response(
                403,
                "Permission 'run.executions.get' denied on resource 'projects/\(project)/locations/\(region)/jobs/\(job)/executions/\(id)' (or resource may not exist)."
            )
        }
        let execution = await state.read { $0.executions[id] }
        guard let execution, execution.job == job, region == scenario.region else {
            return GoogleError.response(
                404,
                "Resource '\(id)' of kind 'EXECUTION' in region '\(region)' in project '\(project)' does not exist.")
        }
        return .wire(
            execution.resource(project: project, region: region, projectNumber: scenario.projectNumber))
    }
}
