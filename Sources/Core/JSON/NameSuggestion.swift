/// Finds the nearest valid name to a misspelt one, for "did you mean ...?" in error messages.
package enum NameSuggestion {
    /// The candidate closest to `name` by edit distance (case-insensitive), if it is close enough to
    /// be a plausible typo: at most a third of the name's length, and at least 2 edits allowed.
    package static func nearest<Candidates: Collection<String>>(to name: String, in candidates: Candidates) -> String? {
        // Long names are never typos of short identifiers; skipping them keeps this cheap on hostile input.
        guard name.count <= 100 else { return nil }
        let limit = max(2, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() where abs(candidate.count - name.count) <= limit {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Levenshtein distance between two strings, counted in characters.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
