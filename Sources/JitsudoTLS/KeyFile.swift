import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes secret files (private keys) with mode 0600 from the first byte on.
public enum KeyFile {
    /// Writes `contents` to `path` with mode 0600. An existing file is refused unless `overwrite` is true, in
    /// which case the new content is written to a temporary 0600 file and renamed over it.
    public static func write(_ contents: String, to path: String, overwrite: Bool = false) throws {
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw TLSLoadError(.unreadableFile, "\(path): refusing to overwrite an existing key file")
        }
        let target = overwrite ? path + ".tmp-\(getpid())" : path
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TLSLoadError(.unreadableFile, "\(path): cannot create (errno \(errno))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do {
            try handle.write(contentsOf: Data(contents.utf8))
        } catch {
            close(fd)
            unlink(target)
            throw TLSLoadError(.unreadableFile, "\(path): write failed")
        }
        fchmod(fd, 0o600)
        fsync(fd)
        close(fd)
        if overwrite, rename(target, path) != 0 {
            unlink(target)
            throw TLSLoadError(.unreadableFile, "\(path): cannot replace (errno \(errno))")
        }
    }
}
