import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a request got no answer.
public enum HTTPTransportError: Error, Sendable, Equatable {
    case timedOut
    case cancelled
    /// The answer passed the cap; `bytes` is what was announced or read when it was refused.
    case tooLarge(bytes: Int, maximum: Int)
    /// The host was not reached or the connection broke: a short description.
    case network(String)
    /// The server answered with a redirect (`status`, 3xx) to `host` (`nil` when it named none).
    /// Redirects are never followed: the request's credentials would go along to a host nobody
    /// checked, and a 307 or 308 would carry its body (a refresh token, a signed assertion) too.
    case redirected(status: Int, host: String?)

    /// The provider error for a request to `service` ("Vertex AI") that took longer than `timeout`.
    public func providerError(service: String, timeout: Duration) -> ProviderError {
        switch self {
        case .timedOut:
            ProviderError(code: .timeout, message: "no answer from \(service) within \(DurationText.format(timeout))")
        case .cancelled:
            ProviderError(code: .cancelled, message: "the request to \(service) was cancelled")
        case .tooLarge(let bytes, let maximum):
            ProviderError(
                code: .responseTooLarge,
                message: "\(service) sent more than a status answer can be (\(bytes / 1_048_576) MB, over "
                    + "\(maximum / 1_048_576) MB); the rest was not read")
        case .network(let reason):
            ProviderError(code: .network, message: "\(service) could not be reached: \(reason)")
        case .redirected:
            ProviderError(code: .redirected, message: "\(service) \(summary)")
        }
    }

    /// A few words on what happened: "timed out", "connection refused".
    public var summary: String {
        switch self {
        case .timedOut: "timed out"
        case .cancelled: "cancelled"
        case .tooLarge(let bytes, _): "refused after \(bytes) bytes (too large)"
        case .network(let reason): reason
        case .redirected(let status, let host):
            "answered \(status), a redirect to \(host ?? "no host"), which is not followed (credentials go only to "
                + "the host named)"
        }
    }

    /// The error for what async-http-client or SwiftNIO threw, in a few words a user can act on.
    static func describe(_ error: any Error) -> HTTPTransportError {
        switch error {
        case let error as HTTPTransportError:
            return error
        case is CancellationError:
            return .cancelled
        case let error as HTTPClientError:
            return describe(error)
        case let error as NIOConnectionError:
            if let failure = error.connectionErrors.first { return describe(failure.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return .network("the host name does not resolve") }
            return .network("the connection failed")
        case let error as IOError:
            return describe(errno: error.errnoCode, text: "\(error)")
        case is ChannelError:
            return .network("the connection failed (\(error))")
        case let error as HTTPParserError:
            return error == .invalidEOFState
                ? .network("the connection was lost mid-response") : .network("the answer is not HTTP (\(error))")
        default:
            // SocketAddressError (a name that does not resolve), NIOSSLError and the like.
            let type = String(describing: Swift.type(of: error))
            if type.hasPrefix("SocketAddressError") { return .network("the host name does not resolve") }
            if type.hasPrefix("NIOSSL") || type.hasPrefix("BoringSSL") {
                return .network("the TLS connection failed (\(error))")
            }
            return .network("the request failed (\(type))")
        }
    }

    private static func describe(_ error: HTTPClientError) -> HTTPTransportError {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout: .timedOut
        case .cancelled: .cancelled
        case .connectTimeout: .network("the host did not accept a connection in time")
        case .remoteConnectionClosed, .uncleanShutdown: .network("the connection was lost mid-response")
        case .proxyAuthenticationRequired:
            .network(
                "the proxy asks for credentials (407): give them in the proxy variable, http://user:password@host:port")
        case .invalidProxyResponse: .network("the proxy refused to connect to the host")
        case .httpProxyHandshakeTimeout, .socksHandshakeTimeout: .network("the proxy did not answer in time")
        case .tlsHandshakeTimeout: .network("the TLS handshake did not finish in time")
        default: .network("the request failed (\(error))")
        }
    }

    private static func describe(errno code: Int32, text: String) -> HTTPTransportError {
        switch code {
        case ECONNREFUSED: .network("connection refused")
        case ECONNRESET, EPIPE: .network("the connection was lost mid-response")
        case ENETUNREACH, EHOSTUNREACH: .network("no route to the host")
        case ETIMEDOUT: .timedOut
        default: .network("the connection failed (\(text))")
        }
    }
}
