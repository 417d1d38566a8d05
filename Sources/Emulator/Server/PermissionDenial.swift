import Foundation
import LaunchWatchCore

/// Google's answer to a caller without an IAM permission: 403 `PERMISSION_DENIED` whose message
/// and `google.rpc.ErrorInfo` (`reason: IAM_PERMISSION_DENIED`, `metadata.permission`) name the
/// permission — what a `permissionDenied` fault answers, by route, as each service words it:
///
/// - Vertex AI: `Permission 'aiplatform.customJobs.list' denied on resource
///   '//aiplatform.googleapis.com/projects/P/locations/R' (or it may not exist).`, domain
///   `aiplatform.googleapis.com`, metadata `permission` and `resource` (`projects/P/locations/R`), as
///   gcloud prints it in GoogleCloudPlatform/t5x-on-vertex-ai#5;
/// - Cloud Logging: `Permission 'logging.logEntries.list' denied on resource (or it may not exist).`,
///   domain `iam.googleapis.com`, metadata `permission` only (genkit-ai/genkit#3577,
///   kubeflow/pipelines#12591);
/// - Cloud Run: `Permission 'run.executions.get' denied on resource '...' (or resource may not
///   exist).` (the v1 API's wording in google-github-actions/deploy-cloudrun#182), domain
///   `run.googleapis.com` — the domain is not verified against the real v2 API.
enum PermissionDenial {
    /// The response for `route` with its path `parameters`; `permission` overrides the route's own.
    static func response(route: String, parameters: [String: String], permission: String?) -> EmulatorResponse {
        let project = parameters["project"] ?? ""
        let region = parameters["region"] ?? ""
        switch route {
        case "vertex.list", "vertex.create":
            let verb = route == "vertex.list" ? "list" : "create"
            return vertex(
                permission ?? "aiplatform.customJobs.\(verb)", resource: "projects/\(project)/locations/\(region)")
        case "vertex.get", "vertex.cancel":
            let verb = route == "vertex.get" ? "get" : "cancel"
            return vertex(
                permission ?? "aiplatform.customJobs.\(verb)",
                resource: "projects/\(project)/locations/\(region)/customJobs/\(parameters["id"] ?? "")")
        case "logging.list":
            let name = permission ?? "logging.logEntries.list"
            return GoogleError.response(
                403, "Permission '\(name)' denied on resource (or it may not exist).",
                details: [errorInfo(name, domain: "iam.googleapis.com", resource: nil)])
        case "cloudrun.job":
            let name = permission ?? "run.jobs.get"
            let resource = "projects/\(project)/locations/\(region)/jobs/\(parameters["job"] ?? "")"
            return GoogleError.response(
                403, "Permission '\(name)' denied on resource '\(resource)' (or resource may not exist).",
                details: [errorInfo(name, domain: "run.googleapis.com", resource: resource)])
        case "cloudrun.execution":
            let name = permission ?? "run.executions.get"
            let resource =
                "projects/\(project)/locations/\(region)/jobs/\(parameters["job"] ?? "")/executions/\(parameters["execution"] ?? "")"
            return GoogleError.response(
                403, "Permission '\(name)' denied on resource '\(resource)' (or resource may not exist).",
                details: [errorInfo(name, domain: "run.googleapis.com", resource: resource)])
        default:
            guard let permission else { return GoogleError.response(403, "The caller does not have permission") }
            return GoogleError.response(
                403, "Permission '\(permission)' denied on resource (or it may not exist).",
                details: [errorInfo(permission, domain: "iam.googleapis.com", resource: nil)])
        }
    }

    /// Vertex AI's wording, for a fault and for a project the caller cannot see.
    static func vertex(_ permission: String, resource: String) -> EmulatorResponse {
        GoogleError.response(
            403,
            "Permission '\(permission)' denied on resource '//aiplatform.googleapis.com/\(resource)' (or it may not exist).",
            details: [errorInfo(permission, domain: "aiplatform.googleapis.com", resource: resource)])
    }

    static func errorInfo(_ permission: String, domain: String, resource: String?) -> ErrorInfo {
        var metadata = ["permission": permission]
        if let resource { metadata["resource"] = resource }
        return ErrorInfo(reason: "IAM_PERMISSION_DENIED", domain: domain, metadata: metadata)
    }
}
