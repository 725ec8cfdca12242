#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one phase of the protocol (training, a probe of the training curve, prediction) on a thread of
/// its own, so the op that would cross the phase's budget can end the phase where it stands.
///
/// Swift cannot unwind a kernel's stack from inside an op, and letting the op return would hand its
/// result to the kernel. So the crossing charge parks its thread for the rest of the process and wakes
/// the driver, which carries on with what the phase had finished: the weights and EMA of the last
/// completed optimiser step, the prediction batches already answered. The parked thread never runs
/// again; the process exits when the driver is done.
package enum MeteredPhase {
    /// Runs `body` on a new thread with `meter` ending it at its budget. Returns true when `body`
    /// returned, false when an op crossed the budget (its thread is parked). The meter's `onCross` is
    /// cleared afterwards.
    package static func run(meter: FLOPMeter, _ body: @escaping () -> Void) -> Bool {
        let phase = Phase(body: body)
        meter.onCross = { [phase] in
            phase.crossed = true
            sem_post(phase.done)
            park()
        }
        defer { meter.onCross = nil }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        // Kernels recurse through their layers; give them the main thread's usual 8 MiB and then some.
        pthread_attr_setstacksize(&attributes, 32 << 20)
        let context = Unmanaged.passRetained(phase).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let started = pthread_create(&thread, &attributes, { context in
            let phase = Unmanaged<Phase>.fromOpaque(context!).takeRetainedValue()
            phase.body()
            sem_post(phase.done)
            return nil
        }, context)
        guard started == 0 else {
            Unmanaged<Phase>.fromOpaque(context).release()
            stopRun("the driver could not start a thread for the kernel (pthread_create error \(started)); raise the process limit")
        }
        pthread_detach(thread)
        while sem_wait(phase.done) != 0 {}
        return !phase.crossed
    }

    /// Blocks the calling thread for good.
    private static func park() -> Never {
        while true { pause() }
    }

    /// What the phase's thread and the waiting driver share; the semaphore orders their accesses.
    private final class Phase {
        let body: () -> Void
        let done: UnsafeMutablePointer<sem_t>
        var crossed = false

        init(body: @escaping () -> Void) {
            self.body = body
            done = .allocate(capacity: 1)
            sem_init(done, 0, 0)
        }

        // Never deinitialised while a parked thread holds it: the parked thread keeps its reference.
        deinit {
            sem_destroy(done)
            done.deallocate()
        }
    }
}
