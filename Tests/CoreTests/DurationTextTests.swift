import LaunchWatchCore
import Testing

@Suite("DurationText")
struct DurationTextTests {
    @Test(
        "reads valid durations",
        arguments: [
            ("5s", Duration.seconds(5)),
            ("1m30s", .seconds(90)),
            ("250ms", .milliseconds(250)),
            ("1.5s", .milliseconds(1500)),
            ("2h", .seconds(7200)),
            ("0s", .zero),
            ("1h2m3s4ms", .milliseconds(3_723_004)),
            ("90m", .seconds(5400)),
            ("1m5ms", .milliseconds(60_005)),
            ("0.25h", .seconds(900)),
        ])
    func readsValidDurations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(
        "rejects malformed durations",
        arguments: [
            "5 sec", "-1s", "5", "", "s", "1s1m", "1m1m", ".5s", "5.s", "1.2.3s", "5S", "5sec", "+5s", " 5s", "5s ",
            "1d", "ms", "5m s", "５s", "1e3s", "inf", String(repeating: "1", count: 70) + "s",
        ])
    func rejectsMalformedDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("rejects durations too long to be meant")
    func rejectsHugeDurations() {
        #expect(DurationText.parse("999999999h") == nil)
    }

    @Test(
        "formats durations the way they are written",
        arguments: [
            (Duration.seconds(5), "5s"),
            (.seconds(90), "1m30s"),
            (.milliseconds(250), "250ms"),
            (.milliseconds(1500), "1s500ms"),
            (.seconds(7200), "2h"),
            (.zero, "0s"),
            (.seconds(-3), "0s"),
            (.milliseconds(3_723_004), "1h2m3s4ms"),
        ])
    func formatsDurations(duration: Duration, expected: String) {
        #expect(DurationText.format(duration) == expected)
    }

    @Test(
        "reads back what it formats",
        arguments: [
            Duration.seconds(5), .seconds(90), .milliseconds(250), .milliseconds(1500), .seconds(7200), .zero,
            .milliseconds(86_399_999), .seconds(36_000),
        ])
    func formatRoundTrips(duration: Duration) throws {
        let text = DurationText.format(duration)
        #expect(DurationText.parse(text) == duration, "\(text)")
    }

    @Test(
        "formats canonical text back to itself",
        arguments: ["5s", "1m30s", "250ms", "2h", "0s", "1h1m1s1ms"])
    func canonicalTextRoundTrips(text: String) throws {
        let duration = try #require(DurationText.parse(text))
        #expect(DurationText.format(duration) == text)
    }

    @Test("converts durations to and from seconds")
    func convertsSeconds() {
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(Duration.seconds(double: 2.25) == .milliseconds(2250))
        #expect(Duration.seconds(double: -1) == .zero)
    }
}

@Suite("DurationText.configured")
struct ConfiguredDurationTests {
    @Test("absent gives the default; present is parsed; zero only where allowed")
    func readsConfigurationFields() throws {
        #expect(try DurationText.configured(nil, field: "timeout", default: .seconds(10)) == .seconds(10))
        #expect(try DurationText.configured("250ms", field: "timeout", default: .seconds(10)) == .milliseconds(250))
        #expect(try DurationText.configured("0s", field: "settle", default: .seconds(5), allowZero: true) == .zero)
    }

    @Test(
        "a malformed or zero value is a bad_config error naming the field, with the default as example",
        arguments: ["soon", "0s", "-1s"])
    func rejectsBadValues(text: String) throws {
        let error = try #require(throws: ProviderError.self) {
            try DurationText.configured(text, field: "timeout", default: .seconds(30))
        }
        #expect(error.code == "bad_config")
        #expect(error.message == "timeout \"\(text)\" is not a duration such as 30s")
    }
}
