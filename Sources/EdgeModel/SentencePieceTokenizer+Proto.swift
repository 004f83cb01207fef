// Minimal protobuf wire-format reader/patcher for SentencePiece's ModelProto
// (sentencepiece/src/sentencepiece_model.proto @ v0.1.97): only what the tokenizer needs, no generated code.
//
//   ModelProto      { 1: repeated SentencePiece pieces; 2: TrainerSpec; 3: NormalizerSpec normalizer_spec; … }
//   NormalizerSpec  { 1: name; 2: precompiled_charsmap; 3: bool add_dummy_prefix = true;
//                     4: bool remove_extra_whitespaces = true; 5: bool escape_whitespaces = true; … }

/// Reads and patches the serialized `ModelProto` of a `tokenizer.model`.
enum SentencePieceModelProto {
    /// Normalizer flags that change encode/decode behaviour.
    struct NormalizerFlags: Equatable, Sendable {
        var name = ""
        var addDummyPrefix = true
        var removeExtraWhitespaces = true
    }

    /// One field of a message: number, wire type, and the byte range of its whole encoding and its payload.
    private struct Field {
        let number: UInt64
        let wireType: UInt64
        let whole: Range<Int>
        let payload: Range<Int>
    }

    private static func readVarint(_ b: [UInt8], _ i: inout Int, _ end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while i < end && shift < 64 {
            let byte = b[i]
            i += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    private static func fields(_ b: [UInt8], in range: Range<Int>, path: String) throws -> [Field] {
        var out: [Field] = []
        var i = range.lowerBound
        let end = range.upperBound
        func bad(_ why: String) -> TokenizerError { .invalidFile(path: path, reason: "ModelProto: \(why) at byte \(i)") }
        while i < end {
            let start = i
            guard let key = readVarint(b, &i, end) else { throw bad("truncated field key") }
            let wire = key & 7
            let payloadStart: Int
            switch wire {
            case 0:
                guard readVarint(b, &i, end) != nil else { throw bad("truncated varint") }
                payloadStart = start
            case 1, 5:
                payloadStart = i
                i += wire == 1 ? 8 : 4
            case 2:
                guard let len = readVarint(b, &i, end), len <= UInt64(end - i) else { throw bad("bad length") }
                payloadStart = i
                i += Int(len)
            default:
                throw bad("unsupported wire type \(wire)")
            }
            guard i <= end else { throw bad("field runs past the end") }
            out.append(Field(number: key >> 3, wireType: wire, whole: start..<i, payload: payloadStart..<i))
        }
        return out
    }

    private static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    /// The normalizer settings stored in `data` (proto defaults when absent).
    static func normalizerFlags(_ data: [UInt8], path: String) throws -> NormalizerFlags {
        var flags = NormalizerFlags()
        for f in try fields(data, in: 0..<data.count, path: path) where f.number == 3 && f.wireType == 2 {
            for g in try fields(data, in: f.payload, path: path) {
                switch (g.number, g.wireType) {
                case (1, 2): flags.name = String(decoding: data[g.payload], as: UTF8.self)
                case (3, 0), (4, 0):
                    var j = g.whole.lowerBound
                    _ = readVarint(data, &j, g.whole.upperBound)          // key
                    let value = readVarint(data, &j, g.whole.upperBound) ?? 0
                    if g.number == 3 { flags.addDummyPrefix = value != 0 } else { flags.removeExtraWhitespaces = value != 0 }
                default: break
                }
            }
        }
        return flags
    }

    /// `data` with `normalizer_spec.add_dummy_prefix = false` (a trailing field wins in protobuf), as transformers'
    /// slow LlamaTokenizer (legacy=False) does to encode text that follows a special token.
    static func withoutDummyPrefix(_ data: [UInt8], path: String) throws -> [UInt8] {
        let patch: [UInt8] = [0x18, 0x00]                                  // field 3, varint 0
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 8)
        var patched = false
        for f in try fields(data, in: 0..<data.count, path: path) {
            if f.number == 3 && f.wireType == 2 && !patched {
                appendVarint(3 << 3 | 2, to: &out)
                appendVarint(UInt64(f.payload.count + patch.count), to: &out)
                out.append(contentsOf: data[f.payload])
                out.append(contentsOf: patch)
                patched = true
            } else {
                out.append(contentsOf: data[f.whole])
            }
        }
        if !patched {
            appendVarint(3 << 3 | 2, to: &out)
            appendVarint(UInt64(patch.count), to: &out)
            out.append(contentsOf: patch)
        }
        return out
    }
}
