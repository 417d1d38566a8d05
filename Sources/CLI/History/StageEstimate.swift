import Foundation
import LaunchWatchCore

/// How long past launches took to reach one stage: the median and the 90th percentile of the
/// seconds from the start of the watch, over the launches that reached it.
///
/// Percentiles are nearest-rank (a value some launch really took, never an interpolation).
struct StageEstimate: Sendable, Equatable {
    var stage: String
    var p50: Double
    var p90: Double
    /// How many launches reached the stage.
    var count: Int

    /// The fewest past launches of a pipeline and queue before the live view shows estimates: fewer
    /// would make a p90 of one slow outlier.
    static let minimumLaunches = 5

    /// "usually within 8s (p90 of 23)".
    var hint: String { "usually within \(Self.short(p90)) (p90 of \(count))" }

    /// The p90 in whole seconds, as the hint shows it: a stage is overdue (or late) after this, so
    /// a view never says "within 1s" and "overdue" at 0.5 s.
    var limit: Double { max(0, p90).rounded(.up) }

    /// Estimates per stage for every stage `records` reached, in the order `stages` declares them.
    static func estimates(from records: [HistoryRecord], stages: [String]) -> [StageEstimate] {
        var times: [String: [Double]] = [:]
        for record in records {
            for time in record.stages { times[time.stage, default: []].append(time.seconds) }
        }
        var order = stages
        order += times.keys.filter { !stages.contains($0) }.sorted()
        return order.compactMap { stage in
            guard let values = times[stage], !values.isEmpty else { return nil }
            let sorted = values.sorted()
            return StageEstimate(
                stage: stage, p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), count: sorted.count)
        }
    }

    /// The hints the live view shows for `pipeline` watching `queue`: stage id → estimate, for the
    /// progress and success stages that at least `minimumLaunches` past launches reached. Failure
    /// stages get none: "usually fails within 8s" helps nobody.
    static func hints(for pipeline: Pipeline, queue: String?, in records: [HistoryRecord]) -> [String: StageEstimate] {
        let past = records.filter { $0.pipeline == pipeline.name && $0.queue == queue }
        guard past.count >= minimumLaunches else { return [:] }
        let wanted = pipeline.stages.filter { $0.outcome != .failure }.map(\.id)
        var result: [String: StageEstimate] = [:]
        for estimate in estimates(from: past, stages: wanted)
        where wanted.contains(estimate.stage) && estimate.count >= minimumLaunches {
            result[estimate.stage] = estimate
        }
        return result
    }

    private static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Whole seconds, rounded up (an estimate that says "within 7s" for 7.4 s would be broken by
    /// the launch it describes): `8s`, `2m05s`, `1h10m`.
    static func short(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds).rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", (whole % 3600) / 60))m"
    }
}
