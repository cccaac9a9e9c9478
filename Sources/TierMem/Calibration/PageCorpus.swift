import Foundation
import Glibc

/// Real page contents to measure compression and fault-ins on: the non-zero pages of a few
/// files (by default the running executable, libc, and Swift's Foundation library: machine code,
/// tables and strings as a process's memory holds them). All-zero pages are left out, since
/// the heap keeps those as a flag and they would flatter every codec.
public struct PageCorpus: Sendable {
    public let pageSize: Int
    public let pages: [[UInt8]]
    public let sources: [String]

    public static var defaultFiles: [String] {
        var files = ["/proc/self/exe"]
        for candidate in [
            "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/aarch64-linux-gnu/libc.so.6",
            "/opt/swift/usr/lib/swift/linux/libFoundationEssentials.so", "/opt/swift/usr/lib/swift/linux/libFoundation.so",
        ] where FileManager.default.isReadableFile(atPath: candidate) {
            files.append(candidate)
        }
        return files
    }

    /// Reads up to `limit` non-zero pages, taken round-robin from `files` so each contributes.
    public init(files: [String] = PageCorpus.defaultFiles, limit: Int = 4096) throws {
        pageSize = Int(getpagesize())
        var perFile: [[[UInt8]]] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CalibrationError("cannot read '\(file)' for the page corpus")
            }
            var pages: [[UInt8]] = []
            var offset = 0
            while offset + pageSize <= data.count {
                let page = [UInt8](data[offset..<(offset + pageSize)])
                if page.contains(where: { $0 != 0 }) { pages.append(page) }
                offset += pageSize
            }
            perFile.append(pages)
        }
        var pages: [[UInt8]] = []
        var index = 0
        while pages.count < limit, perFile.contains(where: { index < $0.count }) {
            for filePages in perFile where index < filePages.count && pages.count < limit { pages.append(filePages[index]) }
            index += 1
        }
        guard !pages.isEmpty else { throw CalibrationError("the page corpus files \(files) hold no non-zero page") }
        self.pages = pages
        sources = files
    }
}

/// A measurement could not be taken.
public struct CalibrationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
