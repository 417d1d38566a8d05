import Foundation
import LaunchWatchGoogleCloud
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `ChildProcess`, the swift-subprocess runner behind gcloud (the token fallback and vertex-gcloud):
/// what it keeps of a program's output, and that nothing of a program outlives its run.
@Suite("ChildProcess (gcloud through swift-subprocess)")
struct ChildProcessTests {
    /// `body` as a program: `/bin/sh` with the script's path. Not the script itself: a file just
    /// written may be held open for writing by a program another test starts at that moment, and
    /// then cannot be executed ("Text file busy").
    static func script(_ folder: TemporaryFolder, _ body: String) throws -> (String, [String]) {
        let file = try folder.write("program-\(UUID().uuidString)", body + "\n")
        return ("/bin/sh", [file.path])
    }

    static func process(_ program: (String, [String]), timeout: Duration = .seconds(60)) -> ChildProcess {
        ChildProcess(executable: program.0, arguments: program.1, environment: [:], timeout: timeout)
    }

    @Test("stdout and stderr are read whole and at once; the exit status and a signal are told apart")
    func outputAndStatus() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // More than a pipe's buffer on both streams, interleaved: reading one only would deadlock.
        let program = try Self.script(
            folder, "i=0; while [ $i -lt 3000 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done; exit 7")
        let output = try await Self.process(program).run()
        #expect(output.status == 7 && !output.signalled)
        let lines = String(decoding: output.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3000 && lines.last == "out2999")
        #expect(String(decoding: output.stderr, as: UTF8.self).hasSuffix("err2999\n"))

        let killed = try Self.script(folder, "kill -9 $$")
        let signalled = try await Self.process(killed).run()
        #expect(signalled.signalled && signalled.status == SIGKILL)
    }

    @Test("past the output limit the program is killed and the run fails naming the limit")
    func outputLimit() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pidFile = folder.url.appendingPathComponent("pid").path
        let program = try Self.script(folder, "echo $$ > \(pidFile)\nexec yes launchwatch")
        var process = Self.process(program)
        process.outputLimit = 64 << 10
        await #expect(throws: ChildProcess.Failure.tooMuchOutput(limit: 64 << 10)) { try await process.run() }
        let pid = try #require(
            pid_t(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await VertexGcloudProviderTests.ends(pid), "the program (pid \(pid)) outlived its run")
    }

    @Test("of stderr only the end is kept, however much a program prints there")
    func stderrTail() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let program = try Self.script(folder, "yes noise | head -c 1000000 >&2; echo 'ERROR: the last line' >&2")
        let output = try await Self.process(program).run()
        #expect(output.status == 0)
        #expect(output.stderr.count <= ChildProcess.keptErrorBytes)
        #expect(String(decoding: output.stderr, as: UTF8.self).hasSuffix("ERROR: the last line\n"))
    }

    @Test("what a program leaves running in its group when it ends is killed with it")
    func leftoversAreKilled() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pidFile = folder.url.appendingPathComponent("pid").path
        // The child closes the pipes it inherited, so the run ends with the program, not with it.
        let program = try Self.script(folder, "sleep 60 >/dev/null 2>&1 &\necho $! > \(pidFile)")
        let output = try await Self.process(program).run()
        #expect(output.status == 0)
        let pid = try #require(
            pid_t(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await VertexGcloudProviderTests.ends(pid), "the left-over sleep (pid \(pid)) still runs")
    }

    @Test("a program that does not exist is not started, with the reason")
    func notStarted() async throws {
        let missing = "/nonexistent/launchwatch-\(UUID().uuidString)/gcloud"
        let error = await #expect(throws: ChildProcess.Failure.self) {
            try await ChildProcess(executable: missing, arguments: [], environment: [:], timeout: .seconds(5)).run()
        }
        guard case .notStarted? = error else {
            Issue.record("expected notStarted, got \(String(describing: error))")
            return
        }
    }
}
