/// A duration as a pipeline writes it (`"5s"`, `"1m30s"`), read with `JSONValueDecoder`: a value that
/// is not a string is refused with the words a user needs. Whether the text is a duration is checked
/// where the options are known (a reference still to be filled in is not one yet).
struct DurationString: Decodable {
    var text: String

    init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .string(let text) = value else {
            throw JSONValueDecoder.Failure(
                "wrong_type", at: JSONPath(codingPath: decoder.codingPath),
                "must be a duration string such as \"5s\", \"1m30s\" or \"250ms\", not \(value.typeDescription)")
        }
        self.text = text
    }
}
