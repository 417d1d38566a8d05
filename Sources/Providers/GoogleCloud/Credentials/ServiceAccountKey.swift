import Crypto
import Foundation
import _CryptoExtras

/// A service-account key file and the RS256-signed JWT assertion it makes for the OAuth
/// JWT-bearer grant (RFC 7523), as Google's client libraries do.
struct ServiceAccountKey: Sendable {
    var clientEmail: String
    var privateKeyPEM: String
    var privateKeyID: String?
    var tokenURI: String

    /// Google's token endpoint: the constant audience of every assertion (google-auth's
    /// `_GOOGLE_OAUTH2_TOKEN_ENDPOINT`, google/oauth2/service_account.py), wherever it is POSTed.
    static let googleTokenURI = "https://oauth2.googleapis.com/token"

    /// Reads the fields of a `"type": "service_account"` key file.
    init(json: [String: Any]) throws(AccessTokenError) {
        guard let email = json["client_email"] as? String, let key = json["private_key"] as? String else {
            throw AccessTokenError("the service-account key file has no client_email or private_key")
        }
        clientEmail = email
        privateKeyPEM = key
        privateKeyID = json["private_key_id"] as? String
        tokenURI = (json["token_uri"] as? String) ?? Self.googleTokenURI
    }

    /// The signed assertion for `scope`, valid for an hour from `now`.
    func assertion(scope: String, audience: String, now: Date) throws(AccessTokenError) -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT"]
        if let privateKeyID { header["kid"] = privateKeyID }
        let claims: [String: Any] = [
            "iss": clientEmail, "scope": scope, "aud": audience, "iat": issuedAt, "exp": issuedAt + 3600,
        ]
        guard let headerData = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]),
            let claimsData = try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        else { throw AccessTokenError("could not encode the JWT") }
        let signingInput = Self.base64URL(headerData) + "." + Self.base64URL(claimsData)
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw AccessTokenError("the service-account key file's private_key is not an RSA key in PEM")
        }
        let signature: _RSA.Signing.RSASignature
        do {
            signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        } catch {
            throw AccessTokenError("could not sign the JWT with the service-account key")
        }
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
