// SweepCompleteness: whether a sweep being written is complete (NXmx frame counts, CBF series stable), and its file signature.
import Foundation
import MXFormats

/// The state of a sweep's files at one look.
public struct SweepSnapshot: Equatable, Sendable {
    /// All declared frames are present (NXmx), or the series is a candidate (CBF).
    public var complete: Bool
    /// Why not, when not.
    public var reason: String?
    /// Frames found, and declared where the files say.
    public var frames: Int
    public var declared: Int?
    /// Sizes and modification times of every file: unchanged between looks
    /// means the writer has stopped.
    public var signature: [String]
    /// The newest modification time among the files (seconds since 1970).
    public var newest: Double
}

public enum SweepCompleteness {
    /// Looks at a sweep's files now.
    public static func snapshot(_ sweep: Sweep) -> SweepSnapshot {
        switch sweep.kind {
        case .cbf: return cbf(sweep)
        case .nxmx: return nxmx(sweep.path)
        }
    }

    /// A CBF series is complete when it stops growing (the caller's settle
    /// time), or as soon as the number of frames reaches the count its
    /// first header declares (`# N_images`/`# Nimages`, where written).
    static func cbf(_ sweep: Sweep) -> SweepSnapshot {
        let (sig, newest) = signature(sweep.frames)
        let declared = sweep.frames.first.flatMap(declaredCBFFrames)
        var s = SweepSnapshot(complete: true, reason: nil, frames: sweep.frames.count, declared: declared,
                              signature: sig, newest: newest)
        if let declared, sweep.frames.count < declared {
            s.complete = false
            s.reason = "\(sweep.frames.count) of \(declared) frames written"
        }
        return s
    }

    /// An NXmx sweep is complete when every data file it links to exists
    /// and the frames in them add up to what the master declares
    /// (detectorSpecific nimages × ntrigger, else the length of the
    /// rotation axis in the sample's transformations).
    static func nxmx(_ master: String) -> SweepSnapshot {
        let stem = master.hasSuffix("_master.h5") ? String(master.dropLast("_master.h5".count)) : nil
        let dataFiles = stem.map { SweepDiscovery.glob($0 + "_data_*.h5") } ?? []
        let (sig, newest) = signature([master] + dataFiles)
        var s = SweepSnapshot(complete: false, reason: nil, frames: 0, declared: nil, signature: sig, newest: newest)
        do {
            let file = try HDF5File(readingAt: master)
            guard let entry = try nxmxEntry(file) else { s.reason = "no NXmx entry yet"; return s }
            s.declared = try declaredFrames(file, entry: entry)
            s.frames = try presentFrames(file, entry: entry)
            guard let declared = s.declared else { s.reason = "the master declares no frame count"; return s }
            if s.frames < declared { s.reason = "\(s.frames) of \(declared) frames written"; return s }
            s.complete = true
        } catch {
            s.reason = "\(error)"
        }
        return s
    }

    static func nxmxEntry(_ file: HDF5File) throws -> String? {
        let root = try file.root()
        for name in root.childNames {
            let p = root.childPath(name)
            guard (try? file.kind(of: p)) == .group, try file.group(p).nxClass == "NXentry" else { continue }
            if let d = try file.datasetIfPresent(p + "/definition"),
               (try? d.readString())?.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters)) == "NXmx" {
                return p
            }
        }
        return nil
    }

    static func declaredFrames(_ file: HDF5File, entry: String) throws -> Int? {
        for detector in try groups(file, under: entry + "/instrument", nxClass: "NXdetector") {
            let spec = detector + "/detectorSpecific"
            if let n = try file.datasetIfPresent(spec + "/nimages").flatMap({ try? $0.readDouble() }) {
                let triggers = try file.datasetIfPresent(spec + "/ntrigger").flatMap { try? $0.readDouble() } ?? 1
                return Int(n * max(1, triggers))
            }
        }
        // The scan axis: the longest 1-D dataset among the sample's transformations.
        var longest: Int? = nil
        for sample in try groups(file, under: entry, nxClass: "NXsample") {
            for t in try groups(file, under: sample, nxClass: "NXtransformations") {
                let g = try file.group(t)
                for name in g.childNames {
                    guard (try? file.kind(of: g.childPath(name))) == .dataset,
                          let shape = try? file.dataset(g.childPath(name)).shape, shape.count == 1 else { continue }
                    longest = max(longest ?? 0, shape[0])
                }
            }
        }
        return longest
    }

    static func presentFrames(_ file: HDF5File, entry: String) throws -> Int {
        let data = try groups(file, under: entry, nxClass: "NXdata").first ?? entry + "/data"
        let g = try file.group(data)
        let names = g.childNames.contains("data") ? ["data"] : g.childNames.filter { $0.hasPrefix("data_") }.sorted()
        var total = 0
        for n in names {
            // A link to a data file not written yet throws here: not complete.
            let shape = try file.dataset(g.childPath(n)).shape
            if shape.count == 3 { total += shape[0] }
        }
        return total
    }

    static func groups(_ file: HDF5File, under path: String, nxClass: String) throws -> [String] {
        guard (try? file.kind(of: path)) == .group else { return [] }
        let g = try file.group(path)
        return g.childNames.map(g.childPath).filter {
            (try? file.kind(of: $0)) == .group && (try? file.group($0).nxClass) == nxClass
        }
    }

    /// "path size mtime" per file, and the newest mtime.
    static func signature(_ files: [String]) -> ([String], Double) {
        var sig: [String] = []
        var newest = 0.0
        for f in files {
            guard let a = try? FileManager.default.attributesOfItem(atPath: f) else { sig.append("\(f) missing"); continue }
            let size = (a[.size] as? NSNumber)?.int64Value ?? -1
            let mtime = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            newest = max(newest, mtime)
            sig.append("\(f) \(size) \(mtime)")
        }
        return (sig, newest)
    }

    /// A frame count in a mini-CBF header, where the detector writes one.
    static func declaredCBFFrames(_ path: String) -> Int? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count, f)
        let text = String(decoding: buffer[..<n], as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) {
            let words = line.split(separator: " ")
            if words.count >= 3, words[0] == "#", ["N_images", "Nimages"].contains(String(words[1])) {
                return Int(words[2])
            }
        }
        return nil
    }
}
