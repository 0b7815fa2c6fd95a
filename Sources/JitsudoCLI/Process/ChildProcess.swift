import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pid signals are forwarded to; written before the handlers are installed, read in the handler.
nonisolated(unsafe) private var forwardedChildPID: pid_t = 0

/// Runs a command with an environment, stdio inherited, forwarding SIGINT/SIGTERM/SIGHUP to it, and returns
/// the exit code `cli.md` §1.1 wants: the child's, 128+N when it died from signal N, 127 not found, 126 not executable.
enum ChildProcess {
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        precondition(!arguments.isEmpty, "ChildProcess.run needs a command")
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }

        // Forward signals from the moment the child exists; the handlers only call kill(2).
        let forwarded = [SIGINT, SIGTERM, SIGHUP]
        for signalNumber in forwarded {
            signal(signalNumber) { received in
                if forwardedChildPID > 0 { kill(forwardedChildPID, received) }
            }
        }
        defer { for signalNumber in forwarded { signal(signalNumber, SIG_DFL) } }

        var pid: pid_t = 0
        let command = arguments[0]
        let status = posix_spawnp(&pid, command, nil, &attributes, argv, envp)
        if status != 0 {
            switch status {
            case ENOENT:
                Console.error("Error: command not found: \(command) — check the name and your PATH")
                return 127
            default:
                Console.error("Error: cannot run \(command): \(String(cString: strerror(status))) — check that it is executable")
                return 126
            }
        }
        forwardedChildPID = pid
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) == -1 {
            if errno != EINTR { return 1 }
        }
        forwardedChildPID = 0
        let low = waitStatus & 0x7f
        if low == 0 { return (waitStatus >> 8) & 0xff }
        return 128 + low
    }
}
