/// Wire models of `Microsoft.Authorization` (role definitions and assignments at api-version 2022-04-01, role
/// assignment schedule requests at 2020-10-01), as Microsoft's SDK `azure-mgmt-authorization` serialises them.
/// Optional members are omitted when nil; read-only members are never sent.
public enum Authorization {
    public static let roleAssignmentsAPIVersion = "2022-04-01"
    public static let roleDefinitionsAPIVersion = "2022-04-01"
    public static let scheduleRequestsAPIVersion = "2020-10-01"

    /// A role definition (only what jitsudo reads).
    public struct RoleDefinition: Codable, Sendable, Hashable {
        public struct Properties: Codable, Sendable, Hashable {
            public var roleName: String?
        }
        /// `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`.
        public var id: String
        public var name: String?
        public var properties: Properties?
    }

    /// A role assignment, as read and as created (`RoleAssignmentCreateParameters`).
    public struct RoleAssignment: Codable, Sendable, Hashable {
        public struct Properties: Codable, Sendable, Hashable {
            public var roleDefinitionId: String
            public var principalId: String
            public var principalType: String?
            public var description: String?
            /// Read-only: present in answers, never sent.
            public var scope: String?

            public init(roleDefinitionId: String, principalId: String, principalType: String? = "User", description: String? = nil) {
                self.roleDefinitionId = roleDefinitionId
                self.principalId = principalId
                self.principalType = principalType
                self.description = description
            }
        }
        public var id: String?
        public var name: String?
        public var properties: Properties

        public init(properties: Properties) { self.properties = properties }
    }

    /// A role assignment schedule request (PIM): `AdminAssign`, `AdminExtend`, `AdminRemove`, ….
    public struct ScheduleRequest: Codable, Sendable, Hashable {
        public struct Expiration: Codable, Sendable, Hashable {
            /// `AfterDuration`, `AfterDateTime` or `NoExpiration`.
            public var type: String
            /// ISO 8601 duration (`PT8H`) with `AfterDuration`.
            public var duration: String?
            /// ISO 8601 date-time with `AfterDateTime`.
            public var endDateTime: String?

            public init(type: String, duration: String? = nil, endDateTime: String? = nil) {
                self.type = type
                self.duration = duration
                self.endDateTime = endDateTime
            }
        }
        public struct ScheduleInfo: Codable, Sendable, Hashable {
            public var startDateTime: String?
            public var expiration: Expiration?

            public init(startDateTime: String?, expiration: Expiration?) {
                self.startDateTime = startDateTime
                self.expiration = expiration
            }
        }
        public struct Properties: Codable, Sendable, Hashable {
            public var roleDefinitionId: String
            public var principalId: String
            public var requestType: String
            public var justification: String?
            public var scheduleInfo: ScheduleInfo?
            /// Read-only members, present in answers.
            public var status: String?
            public var createdOn: String?
            public var scope: String?

            public init(roleDefinitionId: String, principalId: String, requestType: String, justification: String?, scheduleInfo: ScheduleInfo?) {
                self.roleDefinitionId = roleDefinitionId
                self.principalId = principalId
                self.requestType = requestType
                self.justification = justification
                self.scheduleInfo = scheduleInfo
            }
        }
        public var id: String?
        public var name: String?
        public var properties: Properties

        public init(properties: Properties) { self.properties = properties }
    }

    /// A page of a list (`value`, `nextLink`).
    public struct Page<Item: Codable & Sendable>: Codable, Sendable {
        public var value: [Item]
        public var nextLink: String?
    }

    /// ARM's error body `{"error": {"code", "message"}}` (also Graph's).
    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String?
            var message: String?
        }
        var error: Detail?
    }

    /// The token endpoint's answers.
    struct TokenAnswer: Decodable {
        var access_token: String?
        var expires_in: Int?
        var error: String?
        var error_description: String?
    }
}
