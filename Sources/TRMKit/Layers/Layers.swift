/// Something with trainable parameters.
public protocol Module {
    var parameters: [Tensor] { get }
}

/// A linear map x[…, in] → […, out], no bias unless asked (TRM's layers have none); LeCun-normal init.
public struct Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inputs: Int, _ outputs: Int, bias: Bool = false, std: Float? = nil, rng: inout SeededRNG) {
        weight = .parameter([inputs, outputs], std: std ?? 1 / Float(inputs).squareRoot(), rng: &rng)
        self.bias = bias ? Tensor(zeros: [outputs], requiresGrad: true) : nil
    }

    /// With a bias starting at `bias` (TRM's halting head: weight 0, bias −5, so nothing halts at first).
    public init(_ inputs: Int, _ outputs: Int, bias: Float, std: Float? = nil, rng: inout SeededRNG) {
        weight = .parameter([inputs, outputs], std: std ?? 1 / Float(inputs).squareRoot(), rng: &rng)
        self.bias = Tensor(repeating: bias, shape: [outputs], requiresGrad: true)
    }

    public var parameters: [Tensor] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ x: Tensor, _ tape: Tape) -> Tensor {
        let y = tape.matmul(x, weight)
        return bias.map { tape.add(y, $0) } ?? y
    }
}

/// SwiGLU MLP over the last axis: down(silu(gate(x)) · up(x)), gate and up fused in one matmul.
public struct SwiGLUMLP: Module {
    public let gateUp: Linear
    public let down: Linear

    /// `hidden` defaults to TRM's round(expansion · width · 2/3), rounded up to a multiple of 16.
    public init(width: Int, expansion: Float = 4, hidden: Int? = nil, rng: inout SeededRNG) {
        let inner = hidden ?? Self.hiddenWidth(width, expansion: expansion)
        gateUp = Linear(width, 2 * inner, rng: &rng)
        down = Linear(inner, width, rng: &rng)
    }

    public static func hiddenWidth(_ width: Int, expansion: Float) -> Int {
        let raw = Int((expansion * Float(width) * 2 / 3).rounded())
        return (raw + 15) / 16 * 16
    }

    public var parameters: [Tensor] { gateUp.parameters + down.parameters }

    // Without biases, one fused op that keeps each block of rows in cache from the gate/up product to the
    // down product (`Tape.fusedSwiGLUMLP`: the same values and FLOP charges as the three ops it replaces). A
    // plain comment, not a doc comment: the kernel API the proposer's prompt lists is unchanged by it.
    public func callAsFunction(_ x: Tensor, _ tape: Tape) -> Tensor {
        if gateUp.bias == nil, down.bias == nil, let y = tape.fusedSwiGLUMLP(x, gateUp: gateUp.weight, down: down.weight) {
            return y
        }
        return down(tape.swiglu(gateUp(x, tape)), tape)
    }
}

/// TRM's `mlp_t` mixer: a SwiGLU MLP applied across the sequence axis ([B, L, D] → [B, D, L] and
/// back), so every position sees every other. Best for small fixed grids such as Sudoku.
public struct SequenceMLP: Module {
    public let mlp: SwiGLUMLP

    public init(length: Int, expansion: Float = 4, rng: inout SeededRNG) {
        mlp = SwiGLUMLP(width: length, expansion: expansion, rng: &rng)
    }

    public var parameters: [Tensor] { mlp.parameters }

    public func callAsFunction(_ x: Tensor, _ tape: Tape) -> Tensor {
        tape.transpose(mlp(tape.transpose(x, 1, 2), tape), 1, 2)
    }
}

/// Non-causal multi-head softmax attention with rotary position embeddings. Better than the sequence
/// MLP where contexts are large (mazes, ARC).
public struct Attention: Module {
    public let qkv: Linear
    public let output: Linear
    public let heads: Int

    public init(width: Int, heads: Int, rng: inout SeededRNG) {
        precondition(width % heads == 0, "attention: width \(width) is not divisible by \(heads) heads")
        qkv = Linear(width, 3 * width, rng: &rng)
        output = Linear(width, width, rng: &rng)
        self.heads = heads
    }

    public var parameters: [Tensor] { qkv.parameters + output.parameters }

    public func callAsFunction(_ x: Tensor, _ tape: Tape) -> Tensor {
        let (b, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        let dh = d / heads
        let projected = tape.reshape(qkv(x, tape), [b, l, 3, heads, dh])
        // [B, L, H, dh] → [B·H, L, dh]
        func split(_ part: Int, rotate: Bool) -> Tensor {
            var t = tape.reshape(tape.slice(projected, axis: 2, start: part, length: 1), [b, l, heads, dh])
            if rotate { t = tape.rotary(t) }
            return tape.reshape(tape.transpose(t, 1, 2), [b * heads, l, dh])
        }
        let q = split(0, rotate: true), k = split(1, rotate: true), v = split(2, rotate: false)
        let scores = tape.scale(tape.bmm(q, k, transposeB: true), 1 / Float(dh).squareRoot())
        let mixed = tape.bmm(tape.softmax(scores), v)  // [B·H, L, dh]
        let merged = tape.reshape(tape.transpose(tape.reshape(mixed, [b, heads, l, dh]), 1, 2), [b, l, d])
        return output(merged, tape)
    }
}
