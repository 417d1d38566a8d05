import Foundation
import LaunchWatchCore

/// The checked body of one `entries:list` request.
struct LoggingListRequest {
    var resourceNames: [String]
    var filterText: String
    var filter: LogFilter
    var descending: Bool
    var pageSize: Int
    var pageToken: String?

    struct Problem: Error {
        var status: Int
        var message: String
    }

    /// What a page token is bound to.
    var context: String {
        resourceNames.joined(separator: ",") + "\u{1}" + filterText + "\u{1}" + (descending ? "desc" : "asc")
    }

    /// Body members and the names the service also accepts for them.
    static let fieldNames: [String: String] = [
        "resourceNames": "resourceNames", "resource_names": "resourceNames", "projectIds": "projectIds",
        "project_ids": "projectIds", "filter": "filter", "orderBy": "orderBy", "order_by": "orderBy",
        "pageSize": "pageSize", "page_size": "pageSize", "pageToken": "pageToken", "page_token": "pageToken",
    ]

    /// The body's members under their JSON names; unknown members and bodies that are not a JSON
    /// object are the service's 400s.
    static func fields(of request: EmulatorRequest) -> Result<[String: JSONValue], Problem> {
        if request.body.isEmpty { return .success([:]) }
        guard let json = request.json, case .object(let members) = json else {
            return .failure(Problem(status: 400, message: "Invalid JSON payload received. Expected an object."))
        }
        var fields: [String: JSONValue] = [:]
        for member in members {
            guard let name = fieldNames[member.key] else {
                return .failure(
                    Problem(
                        status: 400,
                        message: "Invalid JSON payload received. Unknown name \"\(member.key)\": Cannot find field."))
            }
            fields[name] = member.value
        }
        return .success(fields)
    }

    init(_ fields: [String: JSONValue], project: String, projectNumber: String) throws(Problem) {
        var names: [String] = []
        for key in ["resourceNames", "projectIds"] {
            guard let value = fields[key] else { continue }
            guard case .array(let items) = value else {
                throw Problem(
                    status: 400, message: "Invalid value at '\(Self.protoName(key))': expected a list of strings.")
            }
            for item in items {
                guard case .string(let text) = item else {
                    throw Problem(
                        status: 400,
                        message: "Invalid value at '\(Self.protoName(key))' (TYPE_STRING), \(item.jsonText)")
                }
                names.append(key == "projectIds" ? "projects/\(text)" : text)
            }
        }
        guard !names.isEmpty else {
            throw Problem(
                status: 400,
                message:
                    "resource_names is required: name at least one parent resource, such as \"projects/\(project)\".")
        }
        for name in names {
            try Self.check(resourceName: name, project: project, projectNumber: projectNumber)
        }
        resourceNames = names

        filterText = try Self.string(fields["filter"], "filter") ?? ""
        guard filterText.count <= LogFilter.maximumLength else {
            throw Problem(
                status: 400,
                message:
                    "The filter is \(filterText.count) characters long; the limit is \(LogFilter.maximumLength).")
        }
        do {
            filter = try LogFilter.parse(filterText)
        } catch {
            throw Problem(status: 400, message: error.message)
        }

        // Exactly the two values the reference permits: no other casing, spacing or field.
        let order = try Self.string(fields["orderBy"], "orderBy") ?? ""
        switch order {
        case "", "timestamp asc": descending = false
        case "timestamp desc": descending = true
        default:
            throw Problem(
                status: 400,
                message: "Invalid order_by \"\(order)\": only \"timestamp asc\" and \"timestamp desc\" are supported.")
        }

        var size = 0
        switch fields["pageSize"] {
        case nil, .null?: size = 0
        case .number(let number)? where number.rounded() == number && abs(number) < 1e9: size = Int(number)
        case .string(let text)? where Int(text) != nil: size = Int(text) ?? 0
        case let other?:
            throw Problem(status: 400, message: "Invalid value at 'page_size' (TYPE_INT32), \(other.jsonText)")
        }
        guard (0...1000).contains(size) else {
            throw Problem(status: 400, message: "page_size must be between 0 and 1000; it was \(size).")
        }
        pageSize = size == 0 ? 50 : size

        let token = try Self.string(fields["pageToken"], "pageToken")
        pageToken = token?.isEmpty == false ? token : nil
    }

    private static func protoName(_ jsonName: String) -> String {
        jsonName.reduce(into: "") { name, character in
            if character.isUppercase {
                name += "_" + character.lowercased()
            } else {
                name.append(character)
            }
        }
    }

    private static func string(_ value: JSONValue?, _ name: String) throws(Problem) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?:
            throw Problem(
                status: 400, message: "Invalid value at '\(protoName(name))' (TYPE_STRING), \(other.jsonText)")
        }
    }

    /// `projects/P` (or a log view of it) of the scenario's project; another project is not readable
    /// with the scenario's credentials (403); anything else is not a resource name (400).
    private static func check(resourceName name: String, project: String, projectNumber: String) throws(Problem) {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let isView =
            parts.count == 8 && parts[2] == "locations" && parts[4] == "buckets" && parts[6] == "views"
            && parts.allSatisfy { !$0.isEmpty }
        if parts.first == "projects", parts.count == 2 || isView, parts.count >= 2, !parts[1].isEmpty {
            guard parts[1] == project || parts[1] == projectNumber else {
                throw Problem(
                    status: 403,
                    message:
                        "Permission 'logging.logEntries.list' denied on resource '\(name)' (or it may not exist)."
                )
            }
            return
        }
        if parts.count == 2, ["organizations", "folders", "billingAccounts"].contains(parts[0]), !parts[1].isEmpty {
            throw Problem(
                status: 403,
                message: "Permission 'logging.logEntries.list' denied on resource '\(name)' (or it may not exist).")
        }
        throw Problem(
            status: 400,
            message:
                "Invalid resource name \"\(name)\": expected projects/[PROJECT_ID], organizations/[ORGANIZATION_ID], billingAccounts/[BILLING_ACCOUNT_ID], folders/[FOLDER_ID] or a log view."
        )
    }
}
