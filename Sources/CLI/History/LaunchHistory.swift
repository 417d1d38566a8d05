import Foundation
import LaunchWatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The local history of watched launches: `$XDG_STATE_HOME/launchwatch/history.ndjson` (by default
/// `~/.local/state/launchwatch/`), one `HistoryRecord` per line, newest last.
///
/// Safe with concurrent writers: each append takes an exclusive `flock` on a separate lock file
/// (`history.lock`), then writes its line with one `write` to the file opened `O_APPEND`. The lock
/// lives in its own file because trimming replaces the history file (write a copy, rename it over):
/// a lock on the history file itself would be lost with the inode it was taken on.
///
/// Bounded: once the file is larger than `maximumBytes` (1 MiB, or `LAUNCHWATCH_HISTORY_MAX_BYTES`),
/// the append that crossed the limit keeps only the newest records that fit in half of it, so a trim
/// happens once in many appends rather than on every one.
///
/// Off with `--no-history` or `LAUNCHWATCH_NO_HISTORY=1`.
struct LaunchHistory: Sendable {
    /// The folder of the history and its lock.
    let directory: URL
    let maximumBytes: Int

    var file: URL { directory.appendingPathComponent("history.ndjson") }
    var lockFile: URL { directory.appendingPathComponent("history.lock") }

    static let defaultMaximumBytes = 1 << 20

    init(directory: URL, maximumBytes: Int = Self.defaultMaximumBytes) {
        self.directory = directory
        self.maximumBytes = maximumBytes
    }

    /// The history the environment points at, or nil when history is turned off or there is no
    /// home to keep it in.
    static func located(environment: [String: String], disabled: Bool = false) -> LaunchHistory? {
        if disabled { return nil }
        if let off = environment["LAUNCHWATCH_NO_HISTORY"], !off.isEmpty, off != "0" { return nil }
        let base: URL
        // The XDG Base Directory spec: a relative XDG_STATE_HOME is invalid and ignored.
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            base = URL(fileURLWithPath: state)
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            base = URL(fileURLWithPath: home).appendingPathComponent(".local/state")
        } else {
            return nil
        }
        let limit = environment["LAUNCHWATCH_HISTORY_MAX_BYTES"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        return LaunchHistory(
            directory: base.appendingPathComponent("launchwatch"), maximumBytes: limit ?? defaultMaximumBytes)
    }

    /// A failure to read or write the history; it never changes a watch's outcome.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Appends one record (and trims the oldest when the file has grown past its bound).
    func append(_ record: HistoryRecord) throws {
        let line = try record.jsonLine() + "\n"
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        try withLock {
            let descriptor = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw Failure(description: "cannot open \(file.path): \(errnoText())") }
            defer { close(descriptor) }
            let bytes = Array(line.utf8)
            // One write: O_APPEND puts the whole line at the end in one step.
            let written = bytes.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count) }
            guard written == bytes.count else {
                throw Failure(description: "cannot write \(file.path): \(written < 0 ? errnoText() : "short write")")
            }
            var status = stat()
            if fstat(descriptor, &status) == 0, Int(status.st_size) > maximumBytes {
                try trim()
            }
        }
    }

    /// Every readable record, oldest first; an absent history is empty.
    func records() throws -> [HistoryRecord] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw Failure(description: "cannot read \(file.path): \(error.localizedDescription)")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap(HistoryRecord.parse(line:))
    }

    /// Keeps the newest whole lines that fit in half the bound; called with the lock held.
    private func trim() throws {
        guard let data = try? Data(contentsOf: file) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        var kept: [Substring] = []
        var size = 0
        for line in lines.reversed() {
            size += line.utf8.count + 1
            // The newest record stays even when it alone is larger than the bound.
            if size > maximumBytes / 2, !kept.isEmpty { break }
            kept.append(line)
        }
        let text = kept.reversed().map { $0 + "\n" }.joined()
        let temporary = directory.appendingPathComponent("history.ndjson.\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, file.path) == 0 else {
                throw Failure(description: "cannot replace \(file.path): \(errnoText())")
            }
        } catch let failure as Failure {
            try? FileManager.default.removeItem(at: temporary)
            throw failure
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(description: "cannot trim \(file.path): \(error.localizedDescription)")
        }
    }

    private func withLock(_ body: () throws -> Void) throws {
        let descriptor = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(lockFile.path): \(errnoText())") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(description: "cannot lock \(lockFile.path): \(errnoText())") }
        }
        defer { flock(descriptor, LOCK_UN) }
        try body()
    }

    private func errnoText() -> String { String(cString: strerror(errno)) }
}
