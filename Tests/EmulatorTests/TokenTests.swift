import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing
import _CryptoExtras

@Suite("Google token endpoints")
struct TokenTests {
    typealias G = GoogleServices

    static let email = "launch-agent@\(G.project).iam.gserviceaccount.com"
    static let scope = "https://www.googleapis.com/auth/cloud-platform"
    static let audience = "https://oauth2.googleapis.com/token"
    static let metadataToken = "/computeMetadata/v1/instance/service-accounts/default/token"
    static let vertexList = "/v1/projects/\(G.project)/locations/\(G.region)/customJobs"
    static let flavor = ["Metadata-Flavor": "Google"]

    /// Strict auth: only tokens the emulator issued (or `G.token`) pass.
    static func scenario(
        publicKey: String? = nil, tokenLifetime: String = "1h", refreshTokens: [String] = ["1//refresh-me"],
        timeline: [JSONValue] = []
    ) -> String {
        var auth: [(key: String, value: JSONValue)] = [
            ("strict", .bool(true)), ("accessTokens", .array([.string(G.token)])),
            ("tokenLifetime", .string(tokenLifetime)), ("serviceAccountEmail", .string(email)),
            ("refreshTokens", .array(refreshTokens.map { .string($0) })),
        ]
        if let publicKey { auth.append(("serviceAccountPublicKey", .string(publicKey))) }
        return G.scenario(auth: .object(auth), timeline: timeline)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A service-account JWT as google-auth makes it, signed with `key`; `claims` replace the defaults.
    static func assertion(
        key: _RSA.Signing.PrivateKey, claims overrides: [(key: String, value: JSONValue?)] = [], now: Date = Date()
    ) throws -> String {
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        var claims: [(key: String, value: JSONValue)] = [
            ("iss", .string(email)), ("scope", .string(scope)), ("aud", .string(audience)),
            ("iat", .number(issuedAt)), ("exp", .number(issuedAt + 3600)),
        ]
        for (name, value) in overrides {
            claims.removeAll { $0.key == name }
            if let value { claims.append((name, value)) }
        }
        let header = JSONValue.object([("alg", .string("RS256")), ("typ", .string("JWT")), ("kid", .string("k1"))])
        let signingInput =
            base64URL(Data(header.jsonText.utf8)) + "." + base64URL(Data(JSONValue.object(claims).jsonText.utf8))
        let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    static func jwtGrant(_ assertion: String) -> [(String, String)] {
        [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]
    }

    static func oauthError(_ reply: ServiceReply) -> (error: String?, description: String?) {
        (G.string(reply.json?["error"]), G.string(reply.json?["error_description"]))
    }

    // MARK: - Metadata server

    @Test("the metadata server refuses a request without Metadata-Flavor: Google, as the real one does")
    func metadataFlavorRequired() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario()) { harness in
            for headers in [[:], ["Metadata-Flavor": "google-ish"], ["X-Google-Metadata-Request": "True"]] {
                let reply = try await harness.googleCall("GET", Self.metadataToken, token: nil, headers: headers)
                #expect(reply.status == 403)
                #expect(reply.text == "Missing required header \"Metadata-Flavor\": \"Google\"\n")
                #expect(reply.headers["content-type"]?.hasPrefix("text/plain") == true)
                #expect(reply.headers["metadata-flavor"] == "Google")
            }
            let forwarded = try await harness.googleCall(
                "GET", Self.metadataToken, token: nil,
                headers: Self.flavor.merging(["X-Forwarded-For": "10.0.0.1"]) { $1 })
            #expect(forwarded.status == 403)
        }
    }

    @Test("the metadata server issues a Bearer token that the APIs accept")
    func metadataToken() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(tokenLifetime: "59m59s")) { harness in
            let reply = try await harness.googleCall("GET", Self.metadataToken, token: nil, headers: Self.flavor)
            #expect(reply.status == 200)
            #expect(reply.headers["metadata-flavor"] == "Google")
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
            let json = try #require(reply.json)
            #expect(G.keys(json) == ["access_token", "expires_in", "token_type"])
            #expect(G.number(json["expires_in"]) == 3599)
            #expect(G.string(json["token_type"]) == "Bearer")
            let token = try #require(G.string(json["access_token"]))
            #expect(try await harness.googleCall("GET", Self.vertexList, token: token).status == 200)
            #expect(try await harness.googleCall("GET", Self.vertexList, token: "ya29.made-up").status == 401)
            let byEmail = try await harness.googleCall(
                "GET", "/computeMetadata/v1/instance/service-accounts/\(Self.email)/token", token: nil,
                headers: Self.flavor)
            #expect(byEmail.status == 200)
            let otherAccount = try await harness.googleCall(
                "GET", "/computeMetadata/v1/instance/service-accounts/other@x.iam.gserviceaccount.com/token",
                token: nil, headers: Self.flavor)
            #expect(otherAccount.status == 404)
            let log = await harness.state.requestLog()
            #expect(log.filter { $0.route == "token.metadata" }.count == 3)
        }
    }

    @Test("the metadata server tells the project id, number and the account's email")
    func metadataFacts() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario()) { harness in
            let projectID = try await harness.googleCall(
                "GET", "/computeMetadata/v1/project/project-id", token: nil, headers: Self.flavor)
            #expect(projectID.status == 200)
            #expect(projectID.text == G.project)
            #expect(projectID.headers["metadata-flavor"] == "Google")
            let number = try await harness.googleCall(
                "GET", "/computeMetadata/v1/project/numeric-project-id", token: nil, headers: Self.flavor)
            #expect(number.text == G.projectNumber)
            let email = try await harness.googleCall(
                "GET", "/computeMetadata/v1/instance/service-accounts/default/email", token: nil, headers: Self.flavor)
            #expect(email.text == Self.email)
            let info = try await harness.googleCall(
                "GET", "/computeMetadata/v1/instance/service-accounts/default/", query: [("recursive", "true")],
                token: nil, headers: Self.flavor)
            #expect(info.status == 200)
            #expect(G.string(info.json?["email"]) == Self.email)
            #expect(G.array(info.json?["scopes"]) == [.string(Self.scope)])
            let noFlavor = try await harness.googleCall("GET", "/computeMetadata/v1/project/project-id", token: nil)
            #expect(noFlavor.status == 403)
        }
    }

    // MARK: - JWT bearer grant

    @Test("a service-account JWT signed with the scenario's key gets a token that the APIs accept")
    func jwtGrant() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let scenario = Self.scenario(publicKey: key.publicKey.pemRepresentation, tokenLifetime: "30m")
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let reply = try await harness.googleCall(
                "POST", "/token", token: nil, form: Self.jwtGrant(try Self.assertion(key: key)))
            #expect(reply.status == 200)
            #expect(reply.headers["cache-control"]?.contains("no-store") == true)
            let json = try #require(reply.json)
            #expect(G.string(json["token_type"]) == "Bearer")
            #expect(G.number(json["expires_in"]) == 1800)
            let token = try #require(G.string(json["access_token"]))
            #expect(try await harness.googleCall("GET", Self.vertexList, token: token).status == 200)
            #expect(try await harness.listEntries(token: token).reply.status == 200)

            // google-auth signs Google's token URI whatever token_uri says; Google refuses any other
            // audience, the emulator's own URL included.
            let own = harness.baseURL.absoluteString + "/token"
            let ownAudience = try Self.assertion(key: key, claims: [("aud", .string(own))])
            #expect(
                try await harness.googleCall("POST", "/token", token: nil, form: Self.jwtGrant(ownAudience)).status
                    == 400)
            let legacyPath = try await harness.googleCall(
                "POST", "/o/oauth2/token", token: nil, form: Self.jwtGrant(try Self.assertion(key: key)))
            #expect(legacyPath.status == 200)
            let log = await harness.state.requestLog()
            #expect(log.filter { $0.route == "token.oauth" }.count == 3)
        }
    }

    @Test("assertions Google refuses get Google's OAuth errors")
    func jwtProblems() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let now = Date()
        let cases: [(String, String, String, String)] = [
            ("another key", try Self.assertion(key: otherKey), "invalid_grant", "Invalid JWT Signature."),
            (
                "tampered claims",
                try Self.tamper(Self.assertion(key: key)), "invalid_grant", "Invalid JWT Signature."
            ),
            (
                "wrong audience", try Self.assertion(key: key, claims: [("aud", .string("https://example.com/token"))]),
                "invalid_grant", "Invalid JWT: Failed audience check."
            ),
            (
                "expired",
                try Self.assertion(key: key, claims: [], now: now.addingTimeInterval(-7200)), "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            ),
            (
                "issued in the future",
                try Self.assertion(key: key, claims: [], now: now.addingTimeInterval(3600)), "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            ),
            (
                "valid for two hours",
                try Self.assertion(
                    key: key, claims: [("exp", .number(now.timeIntervalSince1970.rounded(.down) + 7200))]),
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            ),
            (
                "no exp", try Self.assertion(key: key, claims: [("exp", nil)]), "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            ),
            (
                "another account",
                try Self.assertion(key: key, claims: [("iss", .string("x@y.iam.gserviceaccount.com"))]),
                "invalid_grant", "Invalid grant: account not found"
            ),
            (
                "no scope", try Self.assertion(key: key, claims: [("scope", nil)]), "invalid_scope",
                "Invalid OAuth scope or ID token audience provided."
            ),
        ]
        let scenario = Self.scenario(publicKey: key.publicKey.pemRepresentation)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            for (name, assertion, error, description) in cases {
                let reply = try await harness.googleCall("POST", "/token", token: nil, form: Self.jwtGrant(assertion))
                #expect(reply.status == 400, "\(name)")
                let found = Self.oauthError(reply)
                #expect(found.error == error, "\(name)")
                #expect(found.description == description, "\(name)")
            }
            let garbage = try await harness.googleCall("POST", "/token", token: nil, form: Self.jwtGrant("abc.def"))
            #expect(Self.oauthError(garbage).error == "invalid_grant")
            let noAssertion = try await harness.googleCall(
                "POST", "/token", token: nil, form: [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")])
            #expect(noAssertion.status == 400)
            #expect(Self.oauthError(noAssertion).error == "invalid_request")
            let unknownGrant = try await harness.googleCall(
                "POST", "/token", token: nil, form: [("grant_type", "password")])
            #expect(unknownGrant.status == 400)
            #expect(Self.oauthError(unknownGrant).error == "unsupported_grant_type")
            #expect(Self.oauthError(unknownGrant).description == "Invalid grant_type: password")
            let noGrant = try await harness.googleCall("POST", "/token", token: nil, form: [])
            #expect(Self.oauthError(noGrant).error == "unsupported_grant_type")
        }
    }

    /// `assertion` with its claims replaced by others, the signature kept.
    static func tamper(_ assertion: String) -> String {
        let parts = assertion.split(separator: ".").map(String.init)
        let claims = JSONValue.object([
            ("iss", .string(email)), ("scope", .string(scope)), ("aud", .string(audience)),
            ("iat", .number(Date().timeIntervalSince1970.rounded(.down))),
            ("exp", .number(Date().timeIntervalSince1970.rounded(.down) + 1800)),
        ])
        return [parts[0], base64URL(Data(claims.jsonText.utf8)), parts[2]].joined(separator: ".")
    }

    @Test("without a public key in the scenario, strict auth refuses every assertion; lax auth takes any")
    func jwtWithoutKey() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let assertion = try Self.assertion(key: key)
        try await EmulatorHarness.with(scenarioJSON: Self.scenario()) { harness in
            let reply = try await harness.googleCall("POST", "/token", token: nil, form: Self.jwtGrant(assertion))
            #expect(reply.status == 400)
            #expect(Self.oauthError(reply).description == "Invalid JWT Signature.")
        }
        let lax = G.scenario(timeline: [])
        try await EmulatorHarness.with(scenarioJSON: lax) { harness in
            let reply = try await harness.googleCall("POST", "/token", token: nil, form: Self.jwtGrant(assertion))
            #expect(reply.status == 200)
        }
    }

    // MARK: - Refresh token grant

    @Test("refresh_token grant: a known refresh token with a client id and secret gets a token")
    func refreshGrant() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario()) { harness in
            let good: [(String, String)] = [
                ("grant_type", "refresh_token"),
                ("client_id", "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com"),
                ("client_secret", "d-FL95Q19q7MQmFpd7hHD0Ty"), ("refresh_token", "1//refresh-me"),
            ]
            let reply = try await harness.googleCall("POST", "/token", token: nil, form: good)
            #expect(reply.status == 200)
            let json = try #require(reply.json)
            #expect(G.string(json["scope"]) == Self.scope)
            #expect(G.string(json["token_type"]) == "Bearer")
            let token = try #require(G.string(json["access_token"]))
            #expect(try await harness.googleCall("GET", Self.vertexList, token: token).status == 200)

            func with(_ name: String, _ value: String?) -> [(String, String)] {
                var form = good.filter { $0.0 != name }
                if let value { form.append((name, value)) }
                return form
            }
            let cases: [([(String, String)], Int, String, String)] = [
                (with("refresh_token", "1//unknown"), 400, "invalid_grant", "Bad Request"),
                (with("refresh_token", nil), 400, "invalid_request", "Missing required parameter: refresh_token"),
                (with("client_id", nil), 400, "invalid_request", "Could not determine client ID from request."),
                (with("client_secret", nil), 400, "invalid_request", "client_secret is missing."),
            ]
            for (form, status, error, description) in cases {
                let refused = try await harness.googleCall("POST", "/token", token: nil, form: form)
                #expect(refused.status == status, "\(description)")
                #expect(Self.oauthError(refused).error == error)
                #expect(Self.oauthError(refused).description == description)
            }
        }
    }

    // MARK: - Expiry

    @Test("an issued token expires after auth.tokenLifetime: the APIs answer 401 invalid_token")
    func tokenExpiry() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(tokenLifetime: "10m")) { harness in
            let reply = try await harness.googleCall("GET", Self.metadataToken, token: nil, headers: Self.flavor)
            let token = try #require(G.string(reply.json?["access_token"]))
            #expect(G.number(reply.json?["expires_in"]) == 600)
            #expect(try await harness.googleCall("GET", Self.vertexList, token: token).status == 200)
            await harness.state.advance(by: 599)
            #expect(try await harness.googleCall("GET", Self.vertexList, token: token).status == 200)
            await harness.state.advance(by: 2)
            let expired = try await harness.googleCall("GET", Self.vertexList, token: token)
            #expect(expired.status == 401)
            #expect(expired.errorStatus == "UNAUTHENTICATED")
            #expect(expired.headers["www-authenticate"]?.contains("invalid_token") == true)
            #expect(try await harness.listEntries(token: token).reply.status == 401)
            // A fresh token works again.
            let fresh = try await harness.googleCall("GET", Self.metadataToken, token: nil, headers: Self.flavor)
            let freshToken = try #require(G.string(fresh.json?["access_token"]))
            #expect(freshToken != token)
            #expect(try await harness.googleCall("GET", Self.vertexList, token: freshToken).status == 200)
        }
    }

    @Test("an expireTokens step revokes every token issued before it, at its time exactly")
    func expireTokensStep() async throws {
        let scenario = Self.scenario(timeline: [G.step("30s", "expireTokens")])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let reply = try await harness.googleCall("GET", Self.metadataToken, token: nil, headers: Self.flavor)
            let token = try #require(G.string(reply.json?["access_token"]))
            #expect(try await harness.googleCall("GET", Self.vertexList, token: token).status == 200)
            #expect(try await harness.googleCall("GET", Self.vertexList, token: G.token).status == 200)
            await harness.state.advance(by: 31)
            // Issued and static tokens alike are refused from the step on.
            #expect(try await harness.googleCall("GET", Self.vertexList, token: token).status == 401)
            #expect(try await harness.googleCall("GET", Self.vertexList, token: G.token).status == 401)
            let fresh = try await harness.googleCall("GET", Self.metadataToken, token: nil, headers: Self.flavor)
            let freshToken = try #require(G.string(fresh.json?["access_token"]))
            #expect(try await harness.googleCall("GET", Self.vertexList, token: freshToken).status == 200)
        }
    }
}
