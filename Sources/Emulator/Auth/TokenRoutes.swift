import Foundation
import LaunchWatchCore

/// Google's token endpoints: the metadata server of a GCP VM and the OAuth 2.0 token endpoint.
///
/// Metadata server (every answer carries `Metadata-Flavor: Google`; every request must send it, or
/// gets the server's 403 plain-text answer):
/// - `GET /computeMetadata/v1/instance/service-accounts/default/token` (route `token.metadata`;
///   `default` or the account's email) → `{"access_token", "expires_in", "token_type": "Bearer"}`,
///   a new token each call, valid for `auth.tokenLifetime`;
/// - `GET /computeMetadata/v1/instance/service-accounts/default/email` (`metadata.email`) and
///   `.../service-accounts/default/?recursive=true` (`metadata.serviceAccount`, what google-auth
///   reads before its first token);
/// - `GET /computeMetadata/v1/project/project-id` and `.../numeric-project-id` (`metadata.project`).
///
/// Point a client at it with `GCE_METADATA_HOST=127.0.0.1:PORT`. The account's email is
/// `auth.serviceAccountEmail`, else the project's default compute account.
///
/// - `GET /` (`metadata.ping`), the ping google-auth sends before it uses the server.
///
/// The OAuth endpoint (`POST /token`, route `token.oauth`) is `OAuthTokenEndpoint`; STS and IAM
/// Credentials (`token.sts`, `iam.generateAccessToken`) are `WorkloadIdentityEndpoints`.
extension EmulatorRoutes {
    static let metadataAccounts = "/computeMetadata/v1/instance/service-accounts/{account}"

    static var tokens: [EmulatorRoute] {
        [
            EmulatorRoute(
                name: "token.metadata", method: .get, pattern: metadataAccounts + "/token", family: .google,
                handler: metadataToken),
            EmulatorRoute(
                name: "metadata.email", method: .get, pattern: metadataAccounts + "/email", family: .google,
                handler: metadataEmail),
            EmulatorRoute(
                name: "metadata.serviceAccount", method: .get, pattern: metadataAccounts, family: .google,
                handler: metadataServiceAccount),
            EmulatorRoute(
                name: "metadata.project", method: .get, pattern: "/computeMetadata/v1/project/{field}",
                family: .google, handler: metadataProject),
            EmulatorRoute(
                name: "token.oauth", method: .post, pattern: "/token", family: .google,
                handler: OAuthTokenEndpoint.respond),
            EmulatorRoute(
                name: "token.oauth", method: .post, pattern: "/o/oauth2/token", family: .google,
                handler: OAuthTokenEndpoint.respond),
            EmulatorRoute(name: "metadata.ping", method: .get, pattern: "/", family: .google, handler: metadataPing),
        ] + WorkloadIdentityEndpoints.routes
    }

    /// `GET /` with `Metadata-Flavor: Google`: how google-auth pings the metadata server
    /// (google/auth/compute_engine/_metadata.py `ping`: 200 with `Metadata-Flavor: Google` means it is
    /// there). The real server lists its versions.
    @Sendable static func metadataPing(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let refused = await refuse(request, state) { return refused }
        return metadataText("computeMetadata/\n")
    }

    private static let flavor = ["metadata-flavor": "Google"]

    /// The metadata server's own answers: `application/text` bodies, `Metadata-Flavor: Google`.
    private static func metadataText(_ text: String, status: Int = 200) -> EmulatorResponse {
        var response = EmulatorResponse.text(text, status: status, contentType: "application/text")
        response.headers.merge(flavor) { _, new in new }
        return response
    }

    /// The 403 for a request without `Metadata-Flavor: Google`, or the 404 for an account that is not
    /// this VM's; `nil` when the request may be served.
    private static func refuse(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse? {
        guard request.headers["metadata-flavor"] == "Google", request.headers["x-forwarded-for"] == nil else {
            var response = EmulatorResponse.text(
                "Missing required header \"Metadata-Flavor\": \"Google\"\n", status: 403)
            response.headers.merge(flavor) { _, new in new }
            return response
        }
        if let account = request.parameters["account"], account != "default" {
            guard account == (await serviceAccountEmail(state)) else {
                var response = EmulatorResponse.text("Not Found\n", status: 404)
                response.headers.merge(flavor) { _, new in new }
                return response
            }
        }
        return nil
    }

    private static func serviceAccountEmail(_ state: EmulatorState) async -> String {
        let scenario = await state.scenario
        return scenario.auth.serviceAccountEmail ?? "\(scenario.projectNumber)-compute@developer.gserviceaccount.com"
    }

    @Sendable static func metadataToken(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let refused = await refuse(request, state) { return refused }
        let (token, expiresIn) = await state.read { $0.issueToken() }
        return .json(AccessTokenAnswer(accessToken: token, expiresIn: expiresIn), headers: flavor)
    }

    @Sendable static func metadataEmail(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let refused = await refuse(request, state) { return refused }
        return metadataText(await serviceAccountEmail(state))
    }

    @Sendable static func metadataServiceAccount(_ request: EmulatorRequest, _ state: EmulatorState) async
        -> EmulatorResponse
    {
        if let refused = await refuse(request, state) { return refused }
        let email = await serviceAccountEmail(state)
        guard request.query["recursive"] == "true" else {
            return metadataText("aliases\nemail\nidentity\nscopes\ntoken\n")
        }
        return .json(
            MetadataServiceAccount(
                aliases: ["default"], email: email, scopes: ["https://www.googleapis.com/auth/cloud-platform"]),
            headers: flavor)
    }

    /// The metadata server's `service-accounts/ACCOUNT/?recursive=true` answer.
    struct MetadataServiceAccount: Codable, Sendable, Equatable {
        var aliases: [String]
        var email: String
        var scopes: [String]
    }

    @Sendable static func metadataProject(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse
    {
        if let refused = await refuse(request, state) { return refused }
        let scenario = await state.scenario
        switch request.parameters["field"] {
        case "project-id": return metadataText(scenario.project)
        case "numeric-project-id": return metadataText(scenario.projectNumber)
        default:
            var response = EmulatorResponse.text("Not Found\n", status: 404)
            response.headers.merge(flavor) { _, new in new }
            return response
        }
    }
}
