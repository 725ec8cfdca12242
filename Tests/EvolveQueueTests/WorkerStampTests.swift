import Testing
@testable import EvolveQueue

/// The `worker` artifact is read back by the report: what a worker's name or host may hold must survive.
@Suite struct WorkerStampTests {
    @Test(arguments: [
        WorkerStamp(worker: "slurm-7-0", host: "node3", cpuSeconds: 41.2),
        WorkerStamp(worker: "runs on node9 (old)", host: "gpu-1.cluster", cpuSeconds: 0),
        WorkerStamp(worker: "w", host: "h", cpuSeconds: 12345.6),
    ])
    func aStampReadsBackAsWritten(stamp: WorkerStamp) {
        #expect(WorkerStamp(parsing: stamp.text) == stamp)
    }

    @Test(arguments: ["", "evaluated locally", "evaluated by worker w on  (1.0 CPU s)", "evaluated by worker w on h (x CPU s)",
                      "evaluated by worker w on two words (1.0 CPU s)"])
    func textThatIsNotAStampIsNotReadAsOne(text: String) {
        #expect(WorkerStamp(parsing: text) == nil)
    }
}
