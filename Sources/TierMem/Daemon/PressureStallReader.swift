import Foundation

/// Reads the kernel's pressure stall information for memory: `some avg10`, the share of the
/// last 10 s in which at least one task waited for memory (percent). The cgroup's
/// `memory.pressure` when this process has one, else `/proc/pressure/memory`; nil when neither
/// exists (a kernel without PSI).
struct PressureStallReader {
    let path: String?

    init() {
        var candidates: [String] = []
        if let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
           let line = membership.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) {
            candidates.append("/sys/fs/cgroup" + line.dropFirst(3) + "/memory.pressure")
        }
        candidates.append("/proc/pressure/memory")
        path = candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    func someAvg10() -> Double? {
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Self.parseSomeAvg10(text)
    }

    /// `some avg10=0.12 avg60=... total=...` → 0.12.
    static func parseSomeAvg10(_ text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("some ") }) else { return nil }
        for field in line.split(separator: " ") where field.hasPrefix("avg10=") { return Double(field.dropFirst(6)) }
        return nil
    }
}
