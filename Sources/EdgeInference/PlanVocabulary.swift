import EdgeModel
import Foundation

/// A tokenizer's vocabulary as a byte trie, built once, for finding every token a `PlanAutomaton` state accepts.
///
/// Tokens are stored by the bytes they contribute (`Tokenizer.tokenBytes`), so SentencePiece, byte-level BPE
/// and the byte tokenizer are treated alike. Special tokens (and tokens with no bytes) are left out: they can
/// never be part of a plan. The allowed set of a state is found by walking the trie with the automaton,
/// pruning a subtree as soon as its prefix is refused; the root's children are the first-byte filter, and
/// tokens sharing a prefix share its work.
public final class PlanVocabulary: Sendable {
    /// Ids the model can produce (logits' length): bitsets cover `0..<count`.
    public let count: Int
    /// Trie in CSR form: children of node n are childByte/childNode[childStart[n]..<childStart[n + 1]].
    let childStart: [Int32]
    let childByte: [UInt8]
    let childNode: [Int32]
    /// Tokens ending at node n: tokenList[tokenStart[n]..<tokenStart[n + 1]].
    let tokenStart: [Int32]
    let tokenList: [Int32]
    /// Every token's bytes, flat: bytes[byteStart[id]..<byteStart[id + 1]] (empty for left-out tokens).
    let bytes: [UInt8]
    let byteStart: [Int32]
    /// Longest path below node n in bytes (0 for a leaf): bounds how far the completion length can still drop.
    let height: [Int32]

    /// Reads every token's bytes from `tokenizer`; `count` is the model's vocabulary (≥ the tokenizer's).
    public init(tokenizer: any Tokenizer, count: Int? = nil) {
        let n = max(count ?? tokenizer.vocabSize, tokenizer.vocabSize)
        self.count = n
        var flat: [UInt8] = [], starts: [Int32] = [0]
        flat.reserveCapacity(n * 6)
        starts.reserveCapacity(n + 1)
        for id in 0..<n {
            let token = Int32(id)
            if id < tokenizer.vocabSize && !tokenizer.isSpecial(token), let b = tokenizer.tokenBytes(token) { flat += b }
            starts.append(Int32(flat.count))
        }
        bytes = flat
        byteStart = starts

        // Build the trie with per-node child dictionaries, then flatten breadth-first.
        var children: [[UInt8: Int32]] = [[:]]
        var ends: [[Int32]] = [[]]
        for id in 0..<n {
            let lo = Int(starts[id]), hi = Int(starts[id + 1])
            guard hi > lo else { continue }
            var node = 0
            for i in lo..<hi {
                let b = flat[i]
                if let c = children[node][b] {
                    node = Int(c)
                } else {
                    let c = Int32(children.count)
                    children[node][b] = c
                    children.append([:])
                    ends.append([])
                    node = Int(c)
                }
            }
            ends[node].append(Int32(id))
        }
        var cStart: [Int32] = [0], cByte: [UInt8] = [], cNode: [Int32] = []
        var tStart: [Int32] = [0], tList: [Int32] = []
        for node in 0..<children.count {
            for (b, c) in children[node].sorted(by: { $0.key < $1.key }) {
                cByte.append(b)
                cNode.append(c)
            }
            cStart.append(Int32(cByte.count))
            tList += ends[node]
            tStart.append(Int32(tList.count))
        }
        (childStart, childByte, childNode, tokenStart, tokenList) = (cStart, cByte, cNode, tStart, tList)
        // Children always have larger ids than their parent (created later), so one backward pass suffices.
        var h = [Int32](repeating: 0, count: children.count)
        for node in stride(from: children.count - 1, through: 0, by: -1) {
            for e in Int(cStart[node])..<Int(cStart[node + 1]) { h[node] = max(h[node], h[Int(cNode[e])] + 1) }
        }
        height = h
    }

    /// Words of a bitset over `count` ids.
    var words: Int { (count + 63) / 64 }

    /// The bytes of token `id` (empty for specials and ids past the tokenizer).
    func tokenBytes(_ id: Int) -> ArraySlice<UInt8> {
        bytes[Int(byteStart[id])..<Int(byteStart[id + 1])]
    }

    /// The tokens whose bytes `state` accepts entirely (no stop tokens), and the largest completion length
    /// (``PlanAutomaton/minimumCompletion(_:)``) after any of them. With `limit`, only tokens after which the
    /// plan can be finished in at most `limit` bytes; subtrees are pruned once even their deepest token could
    /// not get there (each byte lowers the completion length by at most one).
    func allowed(from state: PlanAutomaton, grammar: PlanGrammar, limit: Int? = nil) -> PlanMask {
        var bits = [UInt64](repeating: 0, count: words)
        var worst = 0
        var stack: [(node: Int32, state: PlanAutomaton)] = [(0, state)]
        stack.reserveCapacity(256)
        bits.withUnsafeMutableBufferPointer { out in
            while let (node, s) = stack.popLast() {
                for e in Int(childStart[Int(node)])..<Int(childStart[Int(node) + 1]) {
                    var next = s
                    guard next.feed(childByte[e], grammar) else { continue }
                    let child = Int(childNode[e])
                    let first = Int(tokenStart[child]), end = Int(tokenStart[child + 1])
                    if first < end || limit != nil {
                        let need = next.minimumCompletion(grammar)
                        if let limit, need - Int(height[child]) > limit { continue }
                        if first < end && need <= (limit ?? Int.max) {
                            worst = max(worst, need)
                            for k in first..<end {
                                let id = Int(tokenList[k])
                                out[id >> 6] |= 1 << UInt64(id & 63)
                            }
                        }
                    }
                    if childStart[child + 1] > childStart[child] { stack.append((Int32(child), next)) }
                }
            }
        }
        return PlanMask(bits: bits, worstCompletion: worst)
    }
}

/// Allowed tokens of one automaton state.
struct PlanMask: Sendable {
    /// Bit `id` set when token `id` may come next.
    var bits: [UInt64]
    /// The largest fewest-bytes-to-finish after any allowed token: a token budget at least this large
    /// needs no per-token check.
    var worstCompletion: Int
}

/// Allowed-token bitsets per automaton state, shared by every constraint of one factory (thread-safe).
/// Bounded: when full it is emptied (states of a new request are recomputed on demand).
final class PlanMaskCache: @unchecked Sendable {
    static let capacity = 4096
    private let lock = NSLock()
    private var table: [PlanAutomaton: PlanMask] = [:]
    private(set) var hits = 0
    private(set) var misses = 0

    func mask(for state: PlanAutomaton, compute: () -> PlanMask) -> PlanMask {
        lock.lock()
        if let m = table[state] { hits += 1; lock.unlock(); return m }
        misses += 1
        lock.unlock()
        let m = compute()
        lock.lock()
        if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
        table[state] = m
        lock.unlock()
        return m
    }

    var statistics: (hits: Int, misses: Int, entries: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (hits, misses, table.count)
    }

    private var acceptedTokens = 0
    private var acceptNanoseconds: UInt64 = 0

    /// Adds one accepted token that took `nanoseconds`.
    func record(nanoseconds: UInt64) {
        lock.lock()
        acceptedTokens += 1
        acceptNanoseconds += nanoseconds
        lock.unlock()
    }

    var timing: (tokens: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        return (acceptedTokens, Double(acceptNanoseconds) / 1e9)
    }
}
