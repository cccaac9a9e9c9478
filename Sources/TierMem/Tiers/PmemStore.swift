import CMemkind
import CPmem
import Foundation
import Glibc

/// The PMEM tier: page-sized blocks from a memkind PMEM kind (`memkind_create_pmem`), written
/// with libpmem (`pmem_memcpy_nodrain` then `pmem_drain`).
///
/// The kind lives in a private 0700 directory `tiermem-<pid>-<random>` created inside the
/// configured directory (a DAX mount in production; the temp directory by default). memkind's own
/// file in it is created 0600 and unlinked at once; the directory is removed when the store
/// closes, and directories left by a crashed process (whose pid is gone) are removed at start.
final class PmemStore: @unchecked Sendable {
    static let directoryPrefix = "tiermem-"

    let pageSize: Int
    let capacityPages: Int
    let directory: String
    private let kind: memkind_t
    private let lock = PosixMutex()
    /// memkind failing to grow its file (ENOSPC on a full mount) is the storage refusing a page.
    private var pages: TierOccupancy
    /// Whether libpmem finds the kind's memory to be real persistent memory (`pmem_is_pmem`):
    /// true on a DAX mount, false on an ordinary file system such as the default temp directory.
    let isPersistentMemory: Bool
    /// Directories of crashed runs removed when this store opened.
    let staleDirectoriesRemoved: [String]

    init(parentDirectory: String?, capacityPages: Int, pageSize: Int) throws {
        self.pageSize = pageSize
        self.capacityPages = capacityPages
        pages = TierOccupancy(capacityPages: capacityPages)
        let parent = parentDirectory ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        staleDirectoriesRemoved = Self.removeStaleDirectories(in: parent)
        var template = Array("\(parent)/\(Self.directoryPrefix)\(getpid())-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SystemError("mkdtemp in '\(parent)' for the PMEM tier")
        }
        directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }  // mkdtemp makes it 0700
        // memkind's file holds our pages plus its own metadata and fragmentation: leave headroom,
        // and respect its minimum size. Our own count, not memkind's, enforces the capacity.
        let wanted = capacityPages * pageSize + capacityPages * pageSize / 4 + (8 << 20)
        let maxSize = max(wanted, Int(ctm_memkind_pmem_min_size()))
        var created: memkind_t?
        let status = memkind_create_pmem(directory, maxSize, &created)
        guard status == 0, let created else {
            rmdir(directory)
            throw PmemStoreError(directory: parent, memkindStatus: status)
        }
        kind = created
        // Ask libpmem about one real block of the kind, once.
        var probe: UnsafeMutableRawPointer?
        if memkind_posix_memalign(created, &probe, pageSize, pageSize) == 0, let probe {
            isPersistentMemory = pmem_is_pmem(probe, pageSize) != 0
            memkind_free(created, probe)
        } else {
            isPersistentMemory = false
        }
    }

    deinit {
        memkind_destroy_kind(kind)
        Self.removeTree(directory)
    }

    var storedPageCount: Int { lock.withLock { pages.storedPages } }
    /// Pages the tier was sized for and cannot hold (0 until memkind first fails for space).
    var shortfallPages: Int { lock.withLock { pages.shortfallPages } }
    /// Whether a `store` may succeed now.
    var hasRoom: Bool { lock.withLock { pages.hasRoom } }

    /// Copies a page into a new PMEM block; nil when the tier is full (its capacity, or the
    /// space its file system turned out to have).
    func store(_ page: UnsafeRawPointer) -> UnsafeMutableRawPointer? {
        guard lock.withLock({ pages.take() }) else { return nil }
        var block: UnsafeMutableRawPointer?
        guard memkind_posix_memalign(kind, &block, pageSize, pageSize) == 0, let block else {
            lock.withLock { pages.storageRefused() }
            return nil
        }
        pmem_memcpy_nodrain(block, page, pageSize)
        pmem_drain()
        return block
    }

    /// Copies a stored page out.
    func load(_ block: UnsafeRawPointer, into page: UnsafeMutableRawPointer) {
        memcpy(page, block, pageSize)
    }

    func release(_ block: UnsafeMutableRawPointer) {
        memkind_free(kind, block)
        lock.withLock { pages.release() }
    }

    /// Removes `tiermem-<pid>-*` directories in `parent` whose process no longer exists.
    static func removeStaleDirectories(in parent: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(directoryPrefix) {
            let fields = name.dropFirst(directoryPrefix.count).split(separator: "-")
            guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0 else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process exists.
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let path = "\(parent)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else { continue }
            removeTree(path)
            removed.append(path)
        }
        return removed
    }

    /// Removes a PMEM directory; a failure is reported on stderr (the files would be left
    /// behind, holding disk space) rather than thrown from a deinit. memkind's file was unlinked
    /// at creation, so the directory is normally empty and one rmdir does it.
    static func removeTree(_ path: String) {
        if rmdir(path) == 0 || errno == ENOENT { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            FileHandle.standardError.write(Data("tiermem: could not remove the PMEM directory '\(path)': \(error)\n".utf8))
        }
    }
}

/// memkind refused to create the PMEM kind.
public struct PmemStoreError: Error, CustomStringConvertible {
    public var directory: String
    public var memkindStatus: CInt

    public var description: String {
        var message = [CChar](repeating: 0, count: 256)
        memkind_error_message(memkindStatus, &message, message.count)
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return "cannot create the PMEM tier in '\(directory)': \(text) (memkind status \(memkindStatus))"
    }
}
