import LaunchWatchCore

/// Encodes a wire type into a `JSONValue`, its members in the order the type encodes them (the order
/// of its stored properties, for a synthesized conformance): the order of the proto's fields, in
/// which Google's services write a resource and the tests check it. `JSONEncoder` sorts or scatters
/// keys instead.
///
/// A `Dictionary` encodes in its own (unstable) order, so maps are encoded through `StringMap`.
struct JSONValueEncoder {
    func encode(_ value: some Encodable) throws -> JSONValue {
        let root = Node()
        try value.encode(to: NodeEncoder(node: root, codingPath: []))
        return root.json
    }
}

/// A `[String: String]` map written with its keys sorted, so that a response is the same bytes each
/// time (`labels`, `resources.limits`).
struct StringMap: Encodable, Sendable {
    var values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: NameKey.self)
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try container.encode(value, forKey: NameKey(stringValue: key))
        }
    }
}

/// Any member name.
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// One value being encoded; containers hold their children as nodes, filled in as they are encoded.
private final class Node {
    enum Content {
        case empty
        case leaf(JSONValue)
        case object([(key: String, node: Node)])
        case array([Node])
    }

    var content = Content.empty

    var json: JSONValue {
        switch content {
        case .empty: .object([])
        case .leaf(let value): value
        case .object(let members): .object(members.map { (key: $0.key, value: $0.node.json) })
        case .array(let nodes): .array(nodes.map(\.json))
        }
    }

    /// A new member (replacing one of the same name, as a JSON object holds each key once).
    func member(_ key: String) -> Node {
        let child = Node()
        var members: [(key: String, node: Node)] = []
        if case .object(let existing) = content { members = existing.filter { $0.key != key } }
        members.append((key, child))
        content = .object(members)
        return child
    }

    func element() -> Node {
        let child = Node()
        var nodes: [Node] = []
        if case .array(let existing) = content { nodes = existing }
        nodes.append(child)
        content = .array(nodes)
        return child
    }

    var count: Int {
        if case .array(let nodes) = content { return nodes.count }
        return 0
    }
}

private struct NodeEncoder: Encoder {
    let node: Node
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedNodeContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedNodeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleNodeContainer(node: node, codingPath: codingPath)
    }
}

/// A leaf's JSON: every primitive a container is asked to encode.
private enum Leaf {
    static func value(_ value: some BinaryInteger) -> JSONValue { .number(Double(value)) }
    static func value(_ value: some BinaryFloatingPoint) -> JSONValue { .number(Double(value)) }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) { node.member(key.stringValue).content = .leaf(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(Leaf.value(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(Leaf.value(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try value.encode(to: NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: node.member("super"), codingPath: codingPath + [NameKey(stringValue: "super")])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]
    var count: Int { node.count }

    private func append(_ value: JSONValue) { node.element().content = .leaf(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: Float) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: Int) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: Int8) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: Int16) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: Int32) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: Int64) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: UInt) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: UInt8) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: UInt16) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: UInt32) throws { append(Leaf.value(value)) }
    mutating func encode(_ value: UInt64) throws { append(Leaf.value(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: NodeEncoder(node: node.element(), codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(node: node.element(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.element(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.element(), codingPath: codingPath) }
}

private struct SingleNodeContainer: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]

    private func set(_ value: JSONValue) { node.content = .leaf(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: Float) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: Int) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: Int8) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: Int16) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: Int32) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: Int64) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: UInt) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: UInt8) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: UInt16) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: UInt32) throws { set(Leaf.value(value)) }
    mutating func encode(_ value: UInt64) throws { set(Leaf.value(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
    }
}
