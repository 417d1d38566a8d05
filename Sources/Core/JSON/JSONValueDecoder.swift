#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Decodes a `Decodable` value from a `JSONValue` strictly: wrong types and missing keys are errors
/// that carry the full JSON path, and so are keys the type never read (a misspelt optional key would
/// otherwise be silently ignored).
///
/// Provider configurations are decoded with it, so a provider author writes an ordinary
/// `Decodable` struct and still gets launchwatch's error messages.
public struct JSONValueDecoder {
    /// A decoding error with the path of the offending value.
    public struct Failure: Error, Sendable, Equatable {
        public var path: JSONPath
        public var message: String
        /// What kind of problem: `wrong_type`, `missing_key`, `unknown_key`, or `invalid` for an
        /// error a type threw itself.
        public var code: String = "invalid"
    }

    /// Whether keys no type reads are errors. True for what users write (pipelines, provider
    /// configurations), where a misspelt optional key would otherwise be silently ignored; false for
    /// services' responses, which gain fields over time.
    public var rejectsUnknownKeys: Bool

    public init(rejectsUnknownKeys: Bool = true) {
        self.rejectsUnknownKeys = rejectsUnknownKeys
    }

    /// Decodes `type` from `value`. `basePath` is prefixed to every path in errors. Throws every
    /// unknown key at once (as `[Failure]`), or the first type error.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, basePath: JSONPath = JSONPath())
        throws(JSONValueDecoder.Failures) -> T
    {
        let tracker = KeyTracker()
        let decoder = ValueDecoder(value: value, path: basePath, tracker: tracker)
        let result: T
        do {
            result = try T(from: decoder)
        } catch let failure as Failure {
            throw Failures(failures: [failure])
        } catch let error as DecodingError {
            throw Failures(failures: [Failure(decodingError: error, basePath: basePath)])
        } catch {
            throw Failures(failures: [Failure(path: basePath, message: "\(error)")])
        }
        guard rejectsUnknownKeys else { return result }
        let unknown = tracker.unknownKeys(in: value, path: basePath)
        if !unknown.isEmpty { throw Failures(failures: unknown) }
        return result
    }

    /// Decodes `type` from `value` and reports every problem found, not only the first: types that
    /// read their keys with `decodeOrRecord` / `decodeIfPresentOrRecord` go on past a value that does
    /// not decode (it reads as `nil`), unknown keys of objects whose `CodingKey` knows its keys
    /// (`KnownCodingKeys`, or `CaseIterable`) are reported when the object is opened (document
    /// order), and the rest when the decode ends.
    /// `value` is `nil` when the decode stopped (a required value a type did not record).
    public func decodeCollecting<T: Decodable>(_ type: T.Type, from value: JSONValue, basePath: JSONPath = JSONPath())
        -> (value: T?, failures: [Failure])
    {
        let tracker = KeyTracker(collecting: true)
        let decoder = ValueDecoder(value: value, path: basePath, tracker: tracker)
        var result: T?
        var thrown: [Failure] = []
        JSONValueDecoder.$recorder.withValue(tracker) {
            do {
                result = try T(from: decoder)
            } catch {
                thrown = [Failure(error, basePath: basePath)]
            }
        }
        // Keys not yet asked for when a decode stopped would look unknown: look only after a whole decode.
        let unknown = result == nil || !rejectsUnknownKeys ? [] : tracker.unknownKeys(in: value, path: basePath)
        return (result, tracker.recorded + thrown + unknown)
    }

    /// One or more failures from one decode.
    public struct Failures: Error, Sendable {
        public var failures: [Failure]
    }

    /// Where `decodeOrRecord` records, while `decodeCollecting` runs.
    @TaskLocal fileprivate static var recorder: KeyTracker?
}

extension KeyedDecodingContainer {
    /// Decodes the required `key`. Inside `JSONValueDecoder.decodeCollecting`, a missing or invalid
    /// value is recorded and reads as `nil` so that decoding goes on to find every problem;
    /// elsewhere it throws as `decode(_:forKey:)` does.
    public func decodeOrRecord<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try JSONValueDecoder.recording(at: codingPath + [key]) { try decode(type, forKey: key) }
    }

    /// Decodes the optional `key` when it is present; inside `JSONValueDecoder.decodeCollecting`, an
    /// invalid value is recorded and reads as `nil`. Unlike `decodeIfPresent`, `null` is not absent:
    /// a key that is given must hold a value of the type.
    public func decodeIfPresentOrRecord<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        return try decodeOrRecord(type, forKey: key)
    }
}

extension UnkeyedDecodingContainer {
    /// Decodes the next element; inside `JSONValueDecoder.decodeCollecting`, an element that does not
    /// decode is recorded and reads as `nil`, and the next call reads the element after it.
    public mutating func decodeOrRecord<T: Decodable>(_ type: T.Type) throws -> T? {
        let elementPath = codingPath + [JSONIndexKey(intValue: currentIndex)]
        guard JSONValueDecoder.recorder != nil else { return try decode(type) }
        let before = currentIndex
        do {
            return try decode(type)
        } catch {
            JSONValueDecoder.recorder?.record(
                JSONValueDecoder.Failure(error, basePath: JSONPath(codingPath: elementPath)))
            // A container that stays on an element that failed to decode is moved past it.
            if currentIndex == before, !isAtEnd { _ = try? decode(JSONValue.self) }
            return nil
        }
    }
}

/// An array index as a coding key.
private struct JSONIndexKey: CodingKey {
    var stringValue: String { "\(intValue ?? 0)" }
    var intValue: Int?
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

extension JSONValueDecoder {
    /// Runs `decode`; while collecting, records what it throws and answers `nil`.
    fileprivate static func recording<T>(at codingPath: [any CodingKey], _ decode: () throws -> T?) throws -> T? {
        guard let recorder else { return try decode() }
        do {
            return try decode()
        } catch {
            recorder.record(Failure(error, basePath: JSONPath(codingPath: codingPath)))
            return nil
        }
    }
}

extension JSONValueDecoder.Failure {
    /// A failure for `path`, with a code.
    package init(_ code: String, at path: JSONPath, _ message: String) {
        self.init(path: path, message: message, code: code)
    }

    /// Any error a decode threw, as a failure with a path (`basePath` when it has none).
    init(_ error: any Error, basePath: JSONPath) {
        switch error {
        case let failure as JSONValueDecoder.Failure: self = failure
        case let error as DecodingError: self.init(decodingError: error, basePath: basePath)
        default: self.init(path: basePath, message: "\(error)")
        }
    }

    init(decodingError: DecodingError, basePath: JSONPath) {
        func path(_ codingPath: [any CodingKey]) -> JSONPath {
            JSONPath(codingPath.map { key in key.intValue.map { .index($0) } ?? .key(key.stringValue) })
        }
        switch decodingError {
        case .dataCorrupted(let context):
            self.init(path: path(context.codingPath), message: context.debugDescription)
        case .keyNotFound(let key, let context):
            self.init(
                path: path(context.codingPath + [key]),
                message: "is required but missing",
                code: "missing_key"
            )
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            self.init(path: path(context.codingPath), message: context.debugDescription, code: "wrong_type")
        @unknown default:
            self.init(path: basePath, message: "\(decodingError)")
        }
    }
}

/// Records which object keys a decode asked for, to find those it never read.
private final class KeyTracker: @unchecked Sendable {
    private var read: Set<JSONPath> = []
    private var allKeysRead: Set<JSONPath> = []
    /// `decodeCollecting`: failures are recorded and the decode goes on.
    let collecting: Bool
    private(set) var recorded: [JSONValueDecoder.Failure] = []
    /// Objects whose unknown keys were reported as they were opened.
    private var opened: Set<JSONPath> = []

    init(collecting: Bool = false) {
        self.collecting = collecting
    }

    func record(_ failure: JSONValueDecoder.Failure) { recorded.append(failure) }

    /// While collecting, an object whose keys are known in full (`KnownCodingKeys`, or a
    /// `CaseIterable` `CodingKey`) has its unknown keys reported as it is opened, so they come in
    /// document order.
    func opened(_ members: [(key: String, value: JSONValue)], at path: JSONPath, known: [String]) {
        guard collecting, !opened.contains(path) else { return }
        opened.insert(path)
        for member in members where !known.contains(member.key) {
            let memberPath = path.appending(member.key)
            var message = "is not a known key"
            if let suggestion = NameSuggestion.nearest(to: member.key, in: known) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            record(JSONValueDecoder.Failure("unknown_key", at: memberPath, message))
        }
    }

    func markRead(_ path: JSONPath) { read.insert(path) }
    func markAllRead(_ path: JSONPath) { allKeysRead.insert(path) }

    /// Every key the decode asked for under `path`, present or not: the candidates for a suggestion.
    private func keysAsked(under path: JSONPath) -> Set<String> {
        Set(
            read.compactMap { asked in
                guard asked.components.count == path.components.count + 1,
                    asked.components.starts(with: path.components),
                    case .key(let key)? = asked.components.last
                else { return nil }
                return key
            })
    }

    func unknownKeys(in value: JSONValue, path: JSONPath) -> [JSONValueDecoder.Failure] {
        switch value {
        case .object(let members):
            var failures: [JSONValueDecoder.Failure] = []
            let wholeObjectRead = allKeysRead.contains(path)
            // An object opened while collecting has had its unknown keys reported; of the rest, only
            // the values the type read are looked into (one it left alone is not its to judge).
            let reportedOnOpening = opened.contains(path)
            for member in members {
                let memberPath = path.appending(member.key)
                if reportedOnOpening {
                    if read.contains(memberPath) { failures += unknownKeys(in: member.value, path: memberPath) }
                    continue
                }
                if wholeObjectRead || read.contains(memberPath) {
                    failures += unknownKeys(in: member.value, path: memberPath)
                } else {
                    var message = "is not a known key"
                    if let suggestion = NameSuggestion.nearest(to: member.key, in: keysAsked(under: path)) {
                        message += "; did you mean \"\(suggestion)\"?"
                    }
                    failures.append(JSONValueDecoder.Failure("unknown_key", at: memberPath, message))
                }
            }
            return failures
        case .array(let values):
            return values.enumerated().flatMap { unknownKeys(in: $1, path: path.appending($0)) }
        default:
            return []
        }
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let path: JSONPath
    let tracker: KeyTracker

    var codingPath: [any CodingKey] { path.codingKeys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func failure(_ message: String, code: String = "wrong_type") -> JSONValueDecoder.Failure {
        JSONValueDecoder.Failure(path: path, message: message, code: code)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw failure("must be an object, not \(value.typeDescription)")
        }
        if tracker.collecting, let keys = Key.self as? any KnownCodingKeys.Type {
            tracker.opened(members, at: path, known: keys.knownNames)
        } else if tracker.collecting, let keys = Key.self as? any (CaseIterable & CodingKey).Type {
            tracker.opened(members, at: path, known: Self.names(of: keys))
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, path: path, tracker: tracker))
    }

    private static func names<Key: CaseIterable & CodingKey>(of keys: Key.Type) -> [String] {
        Key.allCases.map(\.stringValue)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let values) = value else {
            throw failure("must be an array, not \(value.typeDescription)")
        }
        return UnkeyedContainer(values: values, path: path, tracker: tracker)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(decoder: self)
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let value) = decoder.value else { throw mismatch("a boolean") }
        return value
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let value) = decoder.value else { throw mismatch("a string") }
        return value
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let value) = decoder.value else { throw mismatch("a number") }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode<T: BinaryInteger & FixedWidthInteger>(integer type: T.Type) throws -> T {
        guard case .number(let value) = decoder.value else { throw mismatch("an integer") }
        guard value.rounded() == value, let integer = T(exactly: value) else {
            throw decoder.failure("must be an integer between \(T.min) and \(T.max), not \(value)")
        }
        return integer
    }

    func decode(_ type: Int.Type) throws -> Int { try decode(integer: Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decode(integer: Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decode(integer: Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decode(integer: Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decode(integer: Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try decode(integer: UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(integer: UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(integer: UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(integer: UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(integer: UInt64.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: decoder)
    }

    private func mismatch(_ expected: String) -> JSONValueDecoder.Failure {
        decoder.failure("must be \(expected), not \(decoder.value.typeDescription)")
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(key: String, value: JSONValue)]
    let path: JSONPath
    let tracker: KeyTracker

    var codingPath: [any CodingKey] { path.codingKeys }

    var allKeys: [Key] {
        tracker.markAllRead(path)
        return members.compactMap { Key(stringValue: $0.key) }
    }

    func contains(_ key: Key) -> Bool {
        tracker.markRead(path.appending(key.stringValue))
        return members.contains { $0.key == key.stringValue }
    }

    private func child(_ key: Key) throws -> ValueDecoder {
        let childPath = path.appending(key.stringValue)
        tracker.markRead(childPath)
        guard let value = members.first(where: { $0.key == key.stringValue })?.value else {
            // While collecting, unknown keys are reported with their own suggestion.
            let hint = tracker.collecting ? "" : misspellingHint(for: key.stringValue)
            throw JSONValueDecoder.Failure("missing_key", at: childPath, "is required but missing" + hint)
        }
        return ValueDecoder(value: value, path: childPath, tracker: tracker)
    }

    /// A missing required key stops the decode before unknown keys are looked for, so a misspelt
    /// required key (`"projct"`) would go unmentioned: name the key the type does not know that looks
    /// like it.
    private func misspellingHint(for name: String) -> String {
        let unknown = members.map(\.key).filter { Key(stringValue: $0) == nil }
        guard let typo = NameSuggestion.nearest(to: name, in: unknown) else { return "" }
        return "; is \"\(typo)\" a misspelling of \"\(name)\"?"
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        tracker.markRead(path.appending(key.stringValue))
        return members.first { $0.key == key.stringValue }?.value ?? .null == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let decoder = try child(key)
        return try decoder.singleValueContainer().decode(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        tracker.markRead(path.appending(key.stringValue))
        guard let value = members.first(where: { $0.key == key.stringValue })?.value, value != .null else {
            return nil
        }
        return try decode(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        tracker.markAllRead(path)
        return ValueDecoder(value: .object(members), path: path, tracker: tracker)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try child(key)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let values: [JSONValue]
    let path: JSONPath
    let tracker: KeyTracker
    var currentIndex = 0

    init(values: [JSONValue], path: JSONPath, tracker: KeyTracker) {
        self.values = values
        self.path = path
        self.tracker = tracker
    }

    var codingPath: [any CodingKey] { path.codingKeys }
    var count: Int? { values.count }
    var isAtEnd: Bool { currentIndex >= values.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw JSONValueDecoder.Failure(path: path, message: "has too few elements")
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: values[currentIndex], path: path.appending(currentIndex), tracker: tracker)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, values[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next().singleValueContainer().decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try next()
    }
}

private struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

extension JSONPath {
    init(codingPath: [any CodingKey]) {
        self.init(codingPath.map { key in key.intValue.map { .index($0) } ?? .key(key.stringValue) })
    }

    fileprivate var codingKeys: [any CodingKey] {
        components.map { component in
            switch component {
            case .key(let key): PathKey(stringValue: key)
            case .index(let index): PathKey(intValue: index)
            }
        }
    }
}
