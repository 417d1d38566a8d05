import Subprocess

extension BoundedProcess {
    /// One of the program's output streams, as a reader of `BoundedProcess.run` gets it: read it once,
    /// with one of these, to its end.
    package struct Stream: Sendable {
        let sequence: SubprocessOutputSequence
        /// Set at each stdout line `forEachLine` reads: what a `.silence` time limit measures.
        let lastLine: Shared<ContinuousClock.Instant>?

        /// The whole stream; past `limit` bytes it throws `Failure.tooMuchOutput` (naming the limit in
        /// bytes), which kills the program.
        package func collect(limit: Int) async throws -> [UInt8] {
            var bytes: [UInt8] = []
            for try await chunk in sequence {
                chunk.withUnsafeBytes { bytes.append(contentsOf: $0) }
                if bytes.count > limit { throw Failure.tooMuchOutput("\(limit) bytes") }
            }
            return bytes
        }

        /// The end of the stream, however much the program prints: at least its last `keeping` bytes
        /// (up to twice as many: cutting at every chunk would copy too often); `cut` says whether
        /// anything before them was dropped.
        package func tail(keeping: Int) async throws -> Tail {
            var tail = Tail()
            for try await chunk in sequence {
                chunk.withUnsafeBytes { tail.bytes.append(contentsOf: $0) }
                if tail.bytes.count > 2 * keeping {
                    tail.bytes.removeFirst(tail.bytes.count - keeping)
                    tail.cut = true
                }
            }
            return tail
        }

        /// Hands each line (without its newline) to `body`, in order, as it comes. A line longer than
        /// `maximumLength` bytes ends the run as `.unreadable`, rather than growing memory without
        /// bound; an error `body` throws ends the run (`Failure.tooMuchOutput` kills the program).
        package func forEachLine(maximumLength: Int, _ body: (String) throws -> Void) async throws {
            let clock = ContinuousClock()
            do {
                for try await line in sequence.strings(bufferingPolicy: .maxLineLength(maximumLength)) {
                    lastLine?.set(clock.now)
                    try body(line)
                }
            } catch let error as SubprocessError where error.code == .outputLimitExceeded {
                throw LineTooLong(maximumLength: maximumLength)
            }
        }
    }

    /// The end of a stream (`Stream.tail(keeping:)`).
    package struct Tail: Sendable, Equatable {
        package var bytes: [UInt8] = []
        /// Whether bytes before `bytes` were dropped.
        package var cut = false

        package init(bytes: [UInt8] = [], cut: Bool = false) {
            self.bytes = bytes
            self.cut = cut
        }
    }

    /// A line past `Stream.forEachLine`'s limit; the run's error is `.unreadable` with this text.
    struct LineTooLong: Error, CustomStringConvertible {
        var maximumLength: Int
        var description: String { "a line is longer than \(maximumLength) bytes" }
    }
}
