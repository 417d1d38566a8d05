/// A pipeline section whose keys are declared once, as `SectionKey`s: the strict decoder knows its
/// keys from the declaration (`SectionCodingKey`: every other key is reported as unknown), its
/// `init(from:)` reads each key by its declaration (required or not), and `launchwatch schema`
/// describes it from the same list.
package protocol DeclaredSection: Decodable {
    /// Every key of the section, in the order the schema lists them.
    static var keys: [SectionKey] { get }
}

/// A `CodingKey` type that knows every key its object may have: `JSONValueDecoder.decodeCollecting`
/// reports any other key as unknown, with the nearest known one as a suggestion.
package protocol KnownCodingKeys: CodingKey {
    static var knownNames: [String] { get }
}

/// The coding key of a `DeclaredSection`: one of its declared keys.
package struct SectionCodingKey<Section: DeclaredSection>: KnownCodingKeys {
    package var stringValue: String
    package var intValue: Int? { nil }

    package init(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }
    package init(_ key: SectionKey) { self.stringValue = key.name }

    package static var knownNames: [String] { Section.keys.map(\.name) }
}

extension KeyedDecodingContainer {
    /// Reads the declared `key` of a section: a required key that is missing is recorded, an
    /// optional one reads as `nil` when absent; inside `JSONValueDecoder.decodeCollecting`, a value
    /// of the wrong type is recorded and reads as `nil`.
    func decode<Value: Decodable, Section>(_ type: Value.Type, _ key: SectionKey) throws -> Value?
    where Key == SectionCodingKey<Section> {
        key.required
            ? try decodeOrRecord(type, forKey: SectionCodingKey(key))
            : try decodeIfPresentOrRecord(type, forKey: SectionCodingKey(key))
    }
}
