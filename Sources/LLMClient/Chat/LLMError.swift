/// Why a call failed, in one line naming the endpoint (host only) and what to do. Every text in it has
/// passed the client's `Redactor`, so it is safe to print and record.
public enum LLMError: Error, CustomStringConvertible, Sendable, Equatable {
    /// 400/401/403/404: retrying will not help.
    case rejected(host: String, status: Int, message: String)
    /// Retries exhausted on 429/5xx/network errors or malformed answers.
    case unavailable(host: String, attempts: Int, lastProblem: String)
    /// The circuit breaker is open after consecutive failures.
    case endpointDown(host: String, consecutiveFailures: Int, retryAfterSeconds: Double)
    case budgetExhausted(spentUSD: Double, budgetUSD: Double)
    /// The endpoint cannot be called as configured (a remote host without its key, …); nothing was sent.
    case misconfigured(EndpointError)
    /// The server answered with no text (or only whitespace). Not retried: the usual cause, a local
    /// server applying the wrong chat template, answers the same way every time.
    case emptyAnswer(host: String, model: String, finishReason: FinishReason?)
    case noRecording(model: String)

    public var description: String {
        switch self {
        case .rejected(let host, let status, let message):
            "\(host) refused the request with HTTP \(status): \(message.prefix(300)) (not retried; check the model name, the key variable and the request)"
        case .unavailable(let host, let attempts, let last):
            "\(host) failed \(attempts) attempts; last: \(last)"
        case .endpointDown(let host, let failures, let wait):
            "endpoint down: \(host) failed \(failures) times in a row; pausing calls for \(Int(wait)) s"
        case .budgetExhausted(let spent, let budget):
            String(format: "LLM budget spent: $%.4f of $%.4f; raise the budget to continue", spent, budget)
        case .misconfigured(let problem):
            problem.description
        case .emptyAnswer(let host, let model, let reason):
            if reason == .length {
                "\(host) returned an empty answer from \(model): the token limit was reached before any text (finish reason length); raise max_tokens"
            } else {
                "\(host) returned an empty answer from \(model) (finish reason \(reason?.name ?? "not given")); a local server most likely applies the wrong chat template (llama_cpp.server: pass --chat_format for the model; llama.cpp: --jinja), or the model ended its turn at once"
            }
        case .noRecording(let model):
            "replay: no recorded answer for this request to \(model); record a session first"
        }
    }
}
