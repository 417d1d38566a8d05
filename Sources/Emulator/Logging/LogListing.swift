import Foundation
import LaunchWatchCore

/// One page of an `entries:list` search, decided from the entries readable at the listing's
/// snapshot time.
///
/// A listing is bound to the moment its first page was asked for (the snapshot, carried in the page
/// token): every page reads the same entries, those readable at that moment, so a client that keeps
/// paging gets each of them exactly once even while newer entries become readable. Entries that
/// become readable later are for the next listing — the incremental query that starts after the last
/// `(timestamp, insertId)` it has seen.
///
/// **Pages with a token and no entries.** The service searches its storage in stretches of log time
/// and answers when a stretch is done, with whatever it found, even nothing, and a `nextPageToken`
/// if there is more to search. With the scenario option `logs.scanWindow` (e.g. `"10m"`) the
/// emulator does the same: one call searches at most that much log time (timestamps), starting
/// where the previous page stopped, among all readable entries — matching or not. A stretch without
/// a match gives a page with no `entries` and a `nextPageToken`; a client that stops there misses the
/// rest. Without the option a call searches everything (pages end only at `pageSize`).
struct LogListing {
    var filter: LogFilter
    var descending: Bool
    var pageSize: Int
    /// The log time one call searches; `nil`: no limit.
    var scanWindow: Double?

    struct Page {
        var entries: [LogEntryResource]
        /// Where the next page starts, when there is more to search.
        var next: Int?
    }

    /// The entries readable at `snapshot`, in this listing's order.
    func ordered(_ entries: [LogEntry], readableAt snapshot: Double) -> [LogEntry] {
        let sorted = entries.filter { $0.readableAt <= snapshot }.sorted(by: LogEntry.ascending)
        return descending ? sorted.reversed() : sorted
    }

    /// The page that starts at `start` of `entries` (in listing order).
    func page(of entries: [LogEntry], from start: Int) -> Page {
        guard start < entries.count else { return Page(entries: [], next: nil) }
        let stretchStart = entries[start].timestampKey
        var found: [LogEntryResource] = []
        var position = start
        while position < entries.count {
            let entry = entries[position]
            if let scanWindow {
                let distance =
                    descending
                    ? stretchStart.interval(since: entry.timestampKey)
                    : entry.timestampKey.interval(since: stretchStart)
                if distance >= scanWindow { break }
            }
            position += 1
            let resource = entry.resource
            if filter.matches(entry, json: resource.json) {
                found.append(resource)
                if found.count == pageSize { break }
            }
        }
        return Page(entries: found, next: position < entries.count ? position : nil)
    }
}

/// `entries:list` page tokens: the listing's snapshot time and where the next page starts, bound to
/// the request that made them (resources, filter and order must be the same).
enum LogPageToken {
    static func encode(snapshot: Double, position: Int, context: String) -> String {
        Data("log1|\(snapshot.bitPattern)|\(position)|\(context.hashValueStable)".utf8).base64EncodedString()
    }

    static func decode(_ token: String, context: String) -> (snapshot: Double, position: Int)? {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|")
        guard parts.count == 4, parts[0] == "log1", let bits = UInt64(parts[1]), let position = Int(parts[2]),
            position >= 0, parts[3] == "\(context.hashValueStable)"
        else { return nil }
        return (Double(bitPattern: bits), position)
    }
}
