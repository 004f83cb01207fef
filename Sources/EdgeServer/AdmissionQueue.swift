import Foundation

/// Bounded admission to the model's run slots.
///
/// `slots` requests run at once; up to `maxWaiting` more wait in FIFO order; any further request is refused
/// at once with 429 (never queued without bound, so the server cannot pile up work it will not finish).
/// After ``close()`` (graceful shutdown) new requests get 503 while running and waiting ones finish.
actor AdmissionQueue {
    private var free: [Int]
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Int, any Error>)] = []
    private var nextId: UInt64 = 0
    private var closed = false
    let slotCount: Int
    let maxWaiting: Int

    init(slots: Int, maxWaiting: Int) {
        self.slotCount = slots
        self.maxWaiting = maxWaiting
        self.free = Array((0..<slots).reversed())
    }

    /// Requests running or waiting (for `/health`).
    var load: (running: Int, waiting: Int) { (slotCount - free.count, waiters.count) }

    /// A slot index, now or after waiting; throws 429 when the queue is full, 503 once closed, and
    /// `CancellationError` when the waiting task is cancelled.
    func acquire() async throws -> Int {
        if closed { throw APIError.shuttingDown }
        if let slot = free.popLast() { return slot }
        guard waiters.count < maxWaiting else {
            throw APIError.queueFull(limit: maxWaiting, retryAfter: max(1, waiters.count / max(1, slotCount)))
        }
        nextId &+= 1
        let id = nextId
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Gives `slot` back: to the oldest waiter, or to the free list.
    func release(_ slot: Int) {
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: slot)
        } else {
            free.append(slot)
        }
    }

    /// Stops admitting: later ``acquire()`` calls throw 503; queued requests still run.
    func close() { closed = true }

    private func cancelWaiter(_ id: UInt64) {
        guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: i).continuation.resume(throwing: CancellationError())
    }
}

/// A held run slot. Released exactly once: explicitly, or when the lease is dropped (a response body that
/// never ran), so a slot can never leak.
final class SlotLease: @unchecked Sendable {
    // Safety: `released` is only touched under `lock`; the other properties are immutable.
    let slot: Int
    private let queue: AdmissionQueue
    private let lock = NSLock()
    private var released = false

    init(slot: Int, queue: AdmissionQueue) {
        self.slot = slot
        self.queue = queue
    }

    /// Returns the slot (idempotent).
    func release() async {
        if markReleased() { await queue.release(slot) }
    }

    private func markReleased() -> Bool {
        lock.withLock {
            defer { released = true }
            return !released
        }
    }

    deinit {
        if markReleased() {
            let (queue, slot) = (queue, slot)
            Task { await queue.release(slot) }
        }
    }
}

/// A flag a client's disconnect (or a failed write) sets and the generation loop polls between tokens.
final class CancellationFlag: @unchecked Sendable {
    // Safety: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false

    init() {}

    var isCancelled: Bool { lock.withLock { value } }

    func cancel() { lock.withLock { value = true } }
}
