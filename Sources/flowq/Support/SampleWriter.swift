import FlowLog
import CZlib
import CZstd
import FlowSample
import Foundation

/// Writes generated sample lines to files, compressed if asked.
enum SampleWriter {
    enum Compression { case none, gzip, zstd }

    struct Failure: UserError {
        var message: String
        var errorCode: String { "sample.write" }
    }

    /// Writes the lines; returns the paths written.
    static func write(_ generator: SampleGenerator, to out: String, singleFile: Bool, compression: Compression) throws -> [String] {
        var sinks: [String: Sink] = [:]
        func sink(_ node: String) throws -> Sink {
            let key = singleFile ? "" : node
            if let s = sinks[key] { return s }
            var path = out
            if !singleFile {
                let dir = (out as NSString).appendingPathComponent(node)
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                path = (dir as NSString).appendingPathComponent("flows.log")
                if compression == .gzip { path += ".gz" }
                if compression == .zstd { path += ".zst" }
            } else {
                let dir = (out as NSString).deletingLastPathComponent
                if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            }
            let s = try Sink(path: path, compression: compression)
            sinks[key] = s
            return s
        }
        do {
            try generator.generate { line in
                try sink(line.node).write(line.json + "\n")
            }
            for s in sinks.values { try s.close() }
        } catch let e as Failure {
            throw e
        } catch {
            throw Failure(message: "cannot write \(out): \(error.localizedDescription)")
        }
        return sinks.values.map(\.path).sorted()
    }

    /// One output file with buffered, optionally compressed, writes.
    final class Sink {
        let path: String
        let handle: FileHandle
        let compression: Compression
        var pending: [UInt8] = []
        var gz = z_stream()
        var zctx: OpaquePointer?

        init(path: String, compression: Compression) throws {
            self.path = path
            self.compression = compression
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let h = FileHandle(forWritingAtPath: path)
            else { throw Failure(message: "cannot create \(path)") }
            handle = h
            switch compression {
            case .none: break
            case .gzip:
                // windowBits 15 + 16: a gzip header.
                guard deflateInit2_(&gz, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                    Int32(MemoryLayout<z_stream>.size)) == Z_OK
                else { throw Failure(message: "cannot start gzip for \(path)") }
            case .zstd:
                zctx = ZSTD_createCCtx()
            }
        }

        func write(_ s: String) throws {
            pending.append(contentsOf: s.utf8)
            if pending.count >= 1 << 20 { try drain(final: false) }
        }

        func close() throws {
            try drain(final: true)
            try handle.close()
            if let zctx { ZSTD_freeCCtx(zctx) }
            if compression == .gzip { deflateEnd(&gz) }
        }

        private func drain(final: Bool) throws {
            switch compression {
            case .none:
                try handle.write(contentsOf: pending)
            case .gzip:
                var out = [UInt8](repeating: 0, count: max(pending.count / 2, 1 << 16))
                try pending.withUnsafeMutableBufferPointer { input in
                    gz.next_in = input.baseAddress
                    gz.avail_in = UInt32(input.count)
                    repeat {
                        let produced: Int = out.withUnsafeMutableBufferPointer { o in
                            gz.next_out = o.baseAddress
                            gz.avail_out = UInt32(o.count)
                            deflate(&gz, final ? Z_FINISH : Z_NO_FLUSH)
                            return o.count - Int(gz.avail_out)
                        }
                        try handle.write(contentsOf: out[0..<produced])
                    } while gz.avail_out == 0 || (final && gz.avail_in > 0)
                }
            case .zstd:
                var out = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
                try pending.withUnsafeBytes { input in
                    var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
                    var remaining = 1
                    repeat {
                        let produced: Int = out.withUnsafeMutableBytes { o in
                            var outBuf = ZSTD_outBuffer(dst: o.baseAddress, size: o.count, pos: 0)
                            remaining = ZSTD_compressStream2(zctx, &outBuf, &inBuf, final ? ZSTD_e_end : ZSTD_e_continue)
                            return outBuf.pos
                        }
                        try handle.write(contentsOf: out[0..<produced])
                    } while (final && remaining != 0) || inBuf.pos < inBuf.size
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
    }
}
