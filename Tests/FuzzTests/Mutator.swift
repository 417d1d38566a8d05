import Foundation
import LaunchWatchCore

/// Deterministic mutations of a seed document, as a fuzzer's: byte flips, insertions, deletions,
/// spans copied elsewhere, truncation, and the structural attacks — deep nesting, huge strings and
/// numbers, invalid UTF-8, duplicate keys. Every case is reproducible from its seed and index.
struct Mutator {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(random.next() % UInt64(bound)) }

    /// One to three mutations of `seed`.
    mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
        var bytes = seed
        for _ in 0...int(3) { bytes = mutateOnce(bytes) }
        return bytes
    }

    private mutating func mutateOnce(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        guard !bytes.isEmpty else { return Array("{}".utf8) }
        let at = int(bytes.count)
        switch int(12) {
        case 0:  // flip a bit
            bytes[at] ^= UInt8(1 << int(8))
        case 1:  // a random byte in place
            bytes[at] = UInt8(truncatingIfNeeded: random.next())
        case 2:  // insert a byte, often JSON punctuation
            let punctuation = Array("{}[]\",:\\$0e-.".utf8)
            bytes.insert(
                int(2) == 0 ? punctuation[int(punctuation.count)] : UInt8(truncatingIfNeeded: random.next()), at: at)
        case 3:  // delete a span
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + int(16)))
        case 4:  // copy a span elsewhere (duplicate keys, repeated members)
            let length = 1 + int(min(64, bytes.count - at))
            let span = Array(bytes[at..<min(bytes.count, at + length)])
            bytes.insert(contentsOf: span, at: int(bytes.count))
        case 5:  // truncate
            bytes = Array(bytes[..<at])
        case 6:  // deep nesting
            let depth = [10, 100, 600, 5_000][int(4)]
            let open = int(2) == 0 ? UInt8(ascii: "[") : UInt8(ascii: "{")
            bytes.insert(contentsOf: Array(repeating: open, count: depth), at: at)
        case 7:  // a huge string
            let length = [1_000, 100_000, 1_000_000][int(3)]
            bytes.insert(
                contentsOf: Array("\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: length) + Array("\"".utf8),
                at: at)
        case 8:  // huge, tiny and odd numbers
            let numbers = [
                "1e999999", "-1e999999", "1e-999999", "123456789012345678901234567890", "-0", "0.0000000001e400", "NaN",
                "Infinity",
            ]
            bytes.insert(contentsOf: Array(numbers[int(numbers.count)].utf8), at: at)
        case 9:  // invalid UTF-8
            let invalid: [[UInt8]] = [
                [0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00],
            ]
            bytes.insert(contentsOf: invalid[int(invalid.count)], at: at)
        case 10:  // a reference, a duration or a template where a value was
            let texts = [
                "${", "${var.", "${fact.x}", "$${", "${env.HOME}", "0s", "-5s", "99999999h", "1e9ms", "\\u0000",
                "\\ud800",
            ]
            bytes.insert(contentsOf: Array(texts[int(texts.count)].utf8), at: at)
        default:  // swap two bytes
            let other = int(bytes.count)
            bytes.swapAt(at, other)
        }
        return bytes
    }
}
