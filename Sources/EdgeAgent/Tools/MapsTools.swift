import EdgePlan
import Foundation

/// `maps_open_location`, `maps_show_directions`: Apple Maps URLs exactly as TinyAgent builds them
/// (reference §1.3 Maps). Pure functions: nothing is opened, nothing is logged.
public enum MapsTools {
    /// Python's `urllib.parse.quote_plus(s)`: UTF-8 bytes; `A–Z a–z 0–9 _ . - ~` kept, space → `+`,
    /// every other byte → `%XX` (upper-case hex).
    public static func quotePlus(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// `Location of <q> in Apple Maps: https://maps.apple.com/?q=<quote_plus(q)>`.
    public static func locationText(_ query: String) -> String {
        "Location of \(query) in Apple Maps: https://maps.apple.com/?q=\(quotePlus(query))"
    }

    /// `Directions to <end> in Apple Maps: https://maps.apple.com/?[saddr=<s>&]daddr=<e>&dirflg=<d|w|r>`;
    /// an empty start means the current location; a transport other than `d`, `w`, `r` means `d`.
    public static func directionsText(start: String, end: String, transport: String) -> String {
        let flag = ["d", "w", "r"].contains(transport) ? transport : "d"
        let startParam = start.isEmpty ? "" : "saddr=\(quotePlus(start))&"
        return "Directions to \(end) in Apple Maps: https://maps.apple.com/?\(startParam)daddr=\(quotePlus(end))&dirflg=\(flag)"
    }

    static func openLocation(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: false) { args, _ in locationText(try args.string("location")) }
    }

    static func showDirections(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: false) { args, _ in
            directionsText(start: try args.string("start_location"), end: try args.string("end_location"),
                           transport: try args.string("transport"))
        }
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
