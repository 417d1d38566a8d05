import Foundation
import LaunchWatchCore

/// W&B's error body for injected faults: `{"error": "..."}`.
enum WandbError {
    static func fault(_ code: Int) -> JSONValue {
        .object([("error", .string(code == 429 ? "rate limit exceeded" : "Internal Server Error"))])
    }
}

extension EmulatorRoutes {
    static var wandb: [EmulatorRoute] { [] }
}
