import Foundation
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a graceful shutdown of a running server: the listener closes, new work gets 503, and requests in
/// flight (queued ones included) finish before ``EdgeServer/run(handleSignals:shutdown:onListening:)`` returns.
///
/// Signals go through a plain `sigaction` handler that writes to a pipe (async-signal-safe) instead of a
/// Dispatch signal source: on Linux those use `signalfd`, which only sees a signal when every thread blocks
/// it, and the model's worker threads exist before the server starts — so SIGTERM would kill the process.
public final class ShutdownTrigger: @unchecked Sendable {
    // Safety: `group`, `requested` and `onShutdown` are only touched under `lock`.
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var requested = false
    private var onShutdown: [@Sendable () async -> Void] = []

    public init() {}

    /// Requests the graceful shutdown (idempotent; before the server runs it stops it as soon as it starts).
    public func trigger() {
        let (group, actions) = lock.withLock { () -> (ServiceGroup?, [@Sendable () async -> Void]) in
            requested = true
            return (self.group, onShutdown)
        }
        Task {
            for action in actions { await action() }
            await group?.triggerGracefulShutdown()
        }
    }

    func attach(_ group: ServiceGroup, onShutdown action: @escaping @Sendable () async -> Void) {
        let already = lock.withLock {
            self.group = group
            onShutdown.append(action)
            return requested
        }
        if already { trigger() }
    }

    /// Calls ``trigger()`` on SIGTERM and SIGINT for the rest of the process's life.
    public func installSignalHandlers() {
        lock.withLock {
            guard signalPipe.write < 0 else { return }
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { return }
            signalPipe = (fds[0], fds[1])
        }
        let readFD = signalPipe.read
        Thread.detachNewThread { [weak self] in
            var byte: UInt8 = 0
            while read(readFD, &byte, 1) == 1 { self?.trigger() }
        }
        for sig in [SIGTERM, SIGINT] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { _ in
                var b: UInt8 = 1
                _ = write(signalPipe.write, &b, 1)
            }
            #else
            action.__sigaction_u.__sa_handler = { _ in
                var b: UInt8 = 1
                _ = write(signalPipe.write, &b, 1)
            }
            #endif
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
        }
    }
}

/// The self-pipe of the signal handler (a C function pointer cannot capture, so it is global).
private nonisolated(unsafe) var signalPipe: (read: Int32, write: Int32) = (-1, -1)
