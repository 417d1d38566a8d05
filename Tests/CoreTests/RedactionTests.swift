import Foundation
import LaunchWatchCore
import Testing

@Suite("Redaction in debug output")
struct RedactionTests {
    @Test("a URL keeps its host, path and harmless parameters; user info and secret-named parameters are redacted")
    func url() throws {
        let url = try #require(
            URL(
                string:
                    "https://api:s3cret@example.com/v1/jobs?filter=labels.a%3D1&key=AIzaSyKEY&access_token=ya29.tok&pageSize=10&pageToken=p2"
            ))
        let shown = Redaction.url(url)
        #expect(!shown.contains("s3cret") && !shown.contains("AIzaSyKEY") && !shown.contains("ya29.tok"), "\(shown)")
        #expect(shown.contains("example.com/v1/jobs"))
        #expect(shown.contains("filter=labels.a%3D1") && shown.contains("pageSize=10"))
        #expect(shown.contains("pageToken=p2"), "a page cursor is not a credential")
        #expect(shown.contains("key=\(Redaction.mark)") && shown.contains("access_token=\(Redaction.mark)"))
    }

    @Test("credential headers are redacted by name, others shown")
    func headers() {
        var request = HTTPTransport.Request(url: URL(fileURLWithPath: "/"))
        request.setValue("Bearer ya29.tok", forHeader: "Authorization")
        request.setValue("AIzaSyKEY", forHeader: "X-Goog-Api-Key")
        request.setValue("application/json", forHeader: "Accept")
        let shown = Redaction.headers(request.headers)
        #expect(!shown.contains("ya29.tok") && !shown.contains("AIzaSyKEY"), "\(shown)")
        #expect(shown.contains("Accept: application/json"))
        #expect(shown.contains("Authorization: \(Redaction.mark)"))
    }
}
