import Crypto
import Foundation
import LaunchWatchCore
import _CryptoExtras

/// The signed JWT a service account sends to the token endpoint (`grant_type` JWT bearer):
/// `base64url(header).base64url(claims).base64url(RS256 signature)`.
struct ServiceAccountAssertion {
    var header: JSONValue
    var claims: JSONValue
    /// `header.claims` as sent: what the signature covers.
    var signingInput: Data
    var signature: Data

    /// `nil` when `text` is not three base64url parts with JSON objects for header and claims.
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]),
            let claimsData = Self.base64URLDecode(parts[1]), let signature = Self.base64URLDecode(parts[2]),
            let header = try? JSONParser.parse(headerData), case .object = header,
            let claims = try? JSONParser.parse(claimsData), case .object = claims
        else { return nil }
        self.header = header
        self.claims = claims
        self.signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        self.signature = signature
    }

    /// A string claim.
    func string(_ name: String) -> String? {
        guard case .string(let value)? = claims[name] else { return nil }
        return value
    }

    /// A number claim (seconds since 1970 for `iat` and `exp`).
    func number(_ name: String) -> Double? {
        guard case .number(let value)? = claims[name] else { return nil }
        return value
    }

    /// Whether the header says RS256 and the signature verifies with `publicKey` (PKCS#1 v1.5, SHA-256).
    func isSigned(by publicKey: _RSA.Signing.PublicKey) -> Bool {
        guard case .string("RS256")? = header["alg"] else { return false }
        return publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: signingInput, padding: .insecurePKCS1v1_5)
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64)
    }
}
