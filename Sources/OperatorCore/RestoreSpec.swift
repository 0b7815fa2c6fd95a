public import Foundation

/// The `spec` of a `JitsudoRestore` (jitsudo.dev/v1alpha1), decodable from the object's JSON.
public struct RestoreSpec: Sendable, Equatable, Codable {
    public struct Source: Sendable, Equatable, Codable {
        public struct File: Sendable, Equatable, Codable {
            public var persistentVolumeClaimName: String
            public var path: String
            /// `Plain`, `Gzip` (default) or `Custom`.
            public var format: String?
            /// The image of the restore Job's pod (needs bash, gunzip, psql and pg_restore); default `postgres:15`.
            public var image: String?
            public init(persistentVolumeClaimName: String, path: String, format: String? = nil, image: String? = nil) {
                self.persistentVolumeClaimName = persistentVolumeClaimName
                self.path = path
                self.format = format
                self.image = image
            }
        }
        public struct PGDump: Sendable, Equatable, Codable {
            public var image: String?
            public var sourceSecretRef: ClusterSpec.SecretKeyRef
            public init(image: String? = nil, sourceSecretRef: ClusterSpec.SecretKeyRef) {
                self.image = image
                self.sourceSecretRef = sourceSecretRef
            }
        }
        public var file: File?
        public var pgDump: PGDump?
        public init(file: File? = nil, pgDump: PGDump? = nil) {
            self.file = file
            self.pgDump = pgDump
        }
    }

    public struct Database: Sendable, Equatable, Codable {
        public var adminSecretRef: ClusterSpec.SecretKeyRef
        public var liveName: String?
        public var restoreName: String?
        public var oldName: String?
        public init(adminSecretRef: ClusterSpec.SecretKeyRef, liveName: String? = nil, restoreName: String? = nil, oldName: String? = nil) {
            self.adminSecretRef = adminSecretRef
            self.liveName = liveName
            self.restoreName = restoreName
            self.oldName = oldName
        }
    }

    public struct Options: Sendable, Equatable, Codable {
        public var scaleUpOnFailure: Bool?
        public var timeout: String?
        public init(scaleUpOnFailure: Bool? = nil, timeout: String? = nil) {
            self.scaleUpOnFailure = scaleUpOnFailure
            self.timeout = timeout
        }
    }

    public var clusterName: String?
    public var source: Source
    public var database: Database
    public var options: Options?

    public init(clusterName: String? = nil, source: Source, database: Database, options: Options? = nil) {
        self.clusterName = clusterName
        self.source = source
        self.database = database
        self.options = options
    }
}

/// What restoring needs, resolved and validated: the executor's input for ``RestoreStateMachine/Step/startRestore(_:)``.
public struct RestorePlan: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case file(persistentVolumeClaimName: String, path: String, format: String, image: String)
        case pgDump(image: String, sourceSecretName: String, sourceSecretKey: String)

        /// The image of the restore Job's pod.
        public var image: String {
            switch self {
            case .file(_, _, _, let image), .pgDump(let image, _, _): image
            }
        }
    }
    public var clusterName: String
    public var source: Source
    public var adminSecretName: String
    public var adminSecretKey: String
    public var liveDatabase: String
    /// Dropped and created fresh before the restore.
    public var restoreDatabase: String
    public var oldDatabase: String
    public var scaleUpOnFailure: Bool
    public var timeout: TimeInterval
}

extension RestoreSpec {
    /// The restore Job's image when the source names none.
    public static let defaultImage = "postgres:15"

    /// Applies defaults and validates. `createdAt` (the object's creation time) names the default old database, so the
    /// name is the same on every reconcile of this restore.
    ///
    /// - Throws: ``OperatorCoreError`` naming the field and the fix.
    public func resolved(createdAt: Date) throws(OperatorCoreError) -> RestorePlan {
        let source: RestorePlan.Source
        switch (self.source.file, self.source.pgDump) {
        case (let file?, nil):
            let format = file.format ?? "Gzip"
            guard ["Plain", "Gzip", "Custom"].contains(format) else {
                throw OperatorCoreError(.invalidSpec, "spec.source.file.format is '\(format)'; use Plain, Gzip or Custom")
            }
            guard !file.path.isEmpty, !file.persistentVolumeClaimName.isEmpty else {
                throw OperatorCoreError(.invalidSpec, "spec.source.file needs persistentVolumeClaimName and path")
            }
            let components = file.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !file.path.hasPrefix("/"), !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
                throw OperatorCoreError(
                    .invalidSpec, "spec.source.file.path '\(file.path)' must be relative to the volume's root, without '.', '..' or empty components"
                )
            }
            source = .file(
                persistentVolumeClaimName: file.persistentVolumeClaimName, path: file.path, format: format, image: file.image ?? Self.defaultImage)
        case (nil, let dump?):
            source = .pgDump(
                image: dump.image ?? Self.defaultImage, sourceSecretName: dump.sourceSecretRef.name,
                sourceSecretKey: dump.sourceSecretRef.key ?? "url")
        default:
            throw OperatorCoreError(.invalidSpec, "set exactly one of spec.source.file and spec.source.pgDump")
        }
        let live = database.liveName ?? "jitsudo"
        let restore = database.restoreName ?? "jitsudo_restore"
        let old = database.oldName ?? Self.defaultOldName(live: live, createdAt: createdAt)
        for (field, name) in [("liveName", live), ("restoreName", restore), ("oldName", old)] where !Self.isDatabaseName(name) {
            throw OperatorCoreError(
                .invalidSpec, "spec.database.\(field) '\(name)' is not a database name; use [a-z_][a-z0-9_]*, at most 63 characters")
        }
        guard Set([live, restore, old]).count == 3 else {
            throw OperatorCoreError(.invalidSpec, "spec.database.liveName, restoreName and oldName must all differ")
        }
        guard !database.adminSecretRef.name.isEmpty else {
            throw OperatorCoreError(.invalidSpec, "spec.database.adminSecretRef.name is empty; name the Secret with the admin URL")
        }
        return RestorePlan(
            clusterName: clusterName ?? "jitsudod", source: source, adminSecretName: database.adminSecretRef.name,
            adminSecretKey: database.adminSecretRef.key ?? "url", liveDatabase: live, restoreDatabase: restore, oldDatabase: old,
            scaleUpOnFailure: options?.scaleUpOnFailure ?? true,
            timeout: try GoDuration.seconds(options?.timeout ?? "1h", field: "spec.options.timeout")
        )
    }

    /// `<live>_old_<yyyyMMddHHmmss>` of the restore's creation (UTC), within PostgreSQL's 63 characters.
    static func defaultOldName(live: String, createdAt: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: createdAt)
        let stamp = String(format: "%04d%02d%02d%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        return String("\(live.prefix(63 - 19))_old_\(stamp)")
    }

    static func isDatabaseName(_ name: String) -> Bool {
        guard let first = name.first, name.count <= 63, first == "_" || (first.isASCII && first.isLowercase) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) }
    }
}
