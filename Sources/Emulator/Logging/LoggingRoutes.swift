import Foundation
import LaunchWatchCore

/// Cloud Logging v2 `POST /v2/entries:list` (route `logging.list`).
///
/// The JSON body takes `resourceNames` (required; `projects/P` with the scenario's project id or
/// number, or a log view of it: `projects/P/locations/L/buckets/B/views/V`), `filter` (see
/// `LogFilter`; at most 20,000 characters), `orderBy` (`timestamp asc`, the default, or
/// `timestamp desc`), `pageSize` (default 50; more than 1000 or negative is rejected, as documented)
/// and `pageToken`; the proto names (`resource_names`...) and the deprecated `projectIds` are read
/// too, and any other key is a 400 as on the service. The answer is
/// `{"entries": [...], "nextPageToken": "..."}`, each left out when empty.
///
/// An entry is readable only once scenario time reaches its `readableAt` (its timestamp plus the
/// scenario's `logs.ingestionDelay`). Paging and the pages with a token but no entries are described
/// on `LogListing`.
extension EmulatorRoutes {
    static var logging: [EmulatorRoute] {
        [
            EmulatorRoute(
                name: "logging.list", method: .post, pattern: "/v2/entries:list", family: .google, handler: listEntries
            )
        ]
    }

    @Sendable static func listEntries(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        if let denied = await GoogleError.authorize(request, state) { return denied }
        let body: [String: JSONValue]
        switch LoggingListRequest.fields(of: request) {
        case .success(let fields): body = fields
        case .failure(let error): return GoogleError.response(400, error.message)
        }
        let scenario = await state.scenario
        let query: LoggingListRequest
        do {
            query = try LoggingListRequest(body, project: scenario.project, projectNumber: scenario.projectNumber)
        } catch {
            return GoogleError.response(error.status, error.message)
        }

        let (time, entries) = await state.read { state in (state.applyDueSteps(), state.logEntries) }
        var snapshot = time
        var start = 0
        if let token = query.pageToken {
            guard let decoded = LogPageToken.decode(token, context: query.context) else {
                return GoogleError.response(
                    400,
                    "Invalid page token: it does not come from a request with these resourceNames, filter and orderBy."
                )
            }
            (snapshot, start) = (min(decoded.snapshot, time), decoded.position)
        }
        let listing = LogListing(
            filter: query.filter, descending: query.descending, pageSize: query.pageSize,
            scanWindow: scenario.logScanWindow)
        let readable = listing.ordered(entries, readableAt: snapshot)
        let page = listing.page(of: readable, from: start)
        var response = ListLogEntriesResponse()
        if !page.entries.isEmpty { response.entries = page.entries }
        if let next = page.next {
            response.nextPageToken = LogPageToken.encode(snapshot: snapshot, position: next, context: query.context)
        }
        return .wire(response)
    }
}
