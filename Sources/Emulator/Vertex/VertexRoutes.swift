import Foundation
import LaunchWatchCore

/// Vertex AI v1 `customJobs`: list (with `filter`, `pageSize`, `pageToken`), get, create, cancel.
///
/// Jobs are listed oldest first: the service documents no order, so a client must not take the
/// first item for the newest. `pageSize` defaults to 100 and is capped at 1000 (or the scenario's
/// `vertex.maxPageSize`).
extension EmulatorRoutes {
    static let customJobs = "/v1/projects/{project}/locations/{region}/customJobs"

    static var vertex: [EmulatorRoute] {
        [
            EmulatorRoute(name: "vertex.list", method: .get, pattern: customJobs, family: .google, handler: listJobs),
            EmulatorRoute(
                name: "vertex.get", method: .get, pattern: customJobs + "/{id}", family: .google, handler: getJob),
            EmulatorRoute(
                name: "vertex.create", method: .post, pattern: customJobs, family: .google, handler: createJob),
            EmulatorRoute(
                name: "vertex.cancel", method: .post, pattern: customJobs + "/{id}:cancel", family: .google,
                handler: cancelJob),
        ]
    }

    /// Checks the token and that the project is the scenario's; the error response otherwise.
    private static func checkAccess(_ request: EmulatorRequest, _ state: EmulatorState, permission: String) async
        -> EmulatorResponse?
    {
        if let denied = await GoogleError.authorize(request, state) { return denied }
        let scenario = await state.scenario
        let project = request.parameters["project"] ?? ""
        guard project == scenario.project || project == scenario.projectNumber else {
            return PermissionDenial.vertex(
                permission, resource: "projects/\(project)/locations/\(request.parameters["region"] ?? "")")
        }
        return nil
    }

    /// The job as `request` asks for it. The official clients' REST transports send
    /// `$alt=json;enum-encoding=int`, and the service then writes enums as their numbers
    /// (`"state": 5`); without it, as names (`"state": "JOB_STATE_FAILED"`).
    private static func rendered(_ job: VertexJob, for request: EmulatorRequest) -> CustomJobResource {
        let numericEnums = request.query["$alt"]?.split(separator: ";").contains("enum-encoding=int") ?? false
        return job.resource(numericEnums: numericEnums)
    }

    @Sendable static func listJobs(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let denied = await checkAccess(request, state, permission: "aiplatform.customJobs.list") { return denied }
        let filter: VertexFilter
        do {
            let rejecting = await state.scenario.vertex.rejectFilterFields
            filter = try VertexFilter.parse(request.query["filter"] ?? "", rejecting: rejecting)
        } catch {
            return GoogleError.response(400, "Provided filter is not valid: \(error.message)")
        }
        var pageSize = 100
        if let text = request.query["pageSize"], !text.isEmpty {
            guard let size = Int(text), size >= 0 else {
                return GoogleError.response(400, "Invalid value at 'page_size' (TYPE_INT32), \"\(text)\"")
            }
            pageSize = size == 0 ? 100 : min(size, await state.scenario.vertex.maxPageSize)
        }
        let filterText = request.query["filter"] ?? ""
        var start = 0
        if let token = request.query["pageToken"], !token.isEmpty {
            guard let offset = PageToken.decode(token, context: filterText) else {
                return GoogleError.response(400, "Invalid page token.")
            }
            start = offset
        }
        let region = request.parameters["region"] ?? ""
        let matching = await state.read { state in
            state.jobOrder.compactMap { state.jobs[$0] }.filter { $0.region == region && filter.matches($0) }
        }
        let page = matching.dropFirst(start).prefix(pageSize)
        var response = ListCustomJobsResponse()
        if !page.isEmpty { response.customJobs = page.map { rendered($0, for: request) } }
        if start + page.count < matching.count {
            response.nextPageToken = PageToken.encode(start + page.count, context: filterText)
        }
        return .wire(response)
    }

    @Sendable static func getJob(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let denied = await checkAccess(request, state, permission: "aiplatform.customJobs.get") { return denied }
        let id = request.parameters["id"] ?? ""
        let region = request.parameters["region"] ?? ""
        guard let job = await state.read({ $0.jobs[id] }), job.region == region else {
            let project = request.parameters["project"] ?? ""
            return GoogleError.response(
                404, "The CustomJob does not exist: projects/\(project)/locations/\(region)/customJobs/\(id)")
        }
        return .wire(rendered(job, for: request))
    }

    @Sendable static func createJob(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let denied = await checkAccess(request, state, permission: "aiplatform.customJobs.create") { return denied }
        guard let body = request.json, case .object = body else {
            return GoogleError.response(400, "Invalid JSON payload received. Expected an object.")
        }
        guard case .string(let displayName)? = body["displayName"], !displayName.isEmpty else {
            return GoogleError.response(400, "CustomJob.display_name is required.")
        }
        guard let jobSpec = body["jobSpec"], case .object = jobSpec else {
            return GoogleError.response(400, "CustomJob.job_spec is required.")
        }
        var labels: [String: String] = [:]
        if case .object(let members)? = body["labels"] {
            for member in members {
                guard case .string(let value) = member.value else {
                    return GoogleError.response(400, "Invalid value at 'custom_job.labels[\(member.key)]'")
                }
                labels[member.key] = value
            }
        }
        let jobLabels = labels
        let job = await state.read { $0.createJob(displayName: displayName, labels: jobLabels, jobSpec: jobSpec) }
        return .wire(rendered(job, for: request))
    }

    @Sendable static func cancelJob(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let denied = await checkAccess(request, state, permission: "aiplatform.customJobs.cancel") { return denied }
        let id = request.parameters["id"] ?? ""
        let region = request.parameters["region"] ?? ""
        let found = await state.read { $0.jobs[id]?.region == region && $0.cancelJob(id: id) }
        guard found else {
            let project = request.parameters["project"] ?? ""
            return GoogleError.response(
                404, "The CustomJob does not exist: projects/\(project)/locations/\(region)/customJobs/\(id)")
        }
        return .json(.object([]))  // google.protobuf.Empty
    }
}

/// Opaque page tokens: an offset bound to the query that made it, in unpadded base64url so that a
/// client may put it in a query string without encoding it (`+` would otherwise read as a space).
enum PageToken {
    static func encode(_ offset: Int, context: String) -> String {
        Data("\(offset)|\(context.hashValueStable)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String, context: String) -> Int? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        let parts = text.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let offset = Int(parts[0]), offset >= 0, parts[1] == "\(context.hashValueStable)"
        else { return nil }
        return offset
    }
}

extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        return hash
    }
}
