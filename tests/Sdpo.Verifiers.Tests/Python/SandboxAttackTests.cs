using System.Net;
using System.Net.Sockets;
using Sdpo.Contracts;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>Hostile candidates: each must end in a clear, non-passing verdict and leave the test process unharmed.</summary>
public class SandboxAttackTests
{
    private const string TrivialTests = "assert True\n";

    [PythonFact(needsBubblewrap: true)]
    public async Task ForkBombIsContainedAndTheNextRunStillWorks()
    {
        const string bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, bomb, TrivialTests, timeoutSeconds: 1.5);
        Assert.False(verdict.Passed);
        Assert.Contains(verdict.Status, new[] { VerdictStatus.Timeout, VerdictStatus.RuntimeError });

        var after = await Sandboxes.RunPython(Sandboxes.Sandboxed, "x = 1\n", "assert x == 1\n");
        Assert.True(after.Passed, after.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task AllocatingTenGigabytesHitsTheMemoryLimit()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "hog = bytearray(10 * 1024 ** 3)\n", TrivialTests);
        Assert.Equal(VerdictStatus.MemoryLimit, verdict.Status);
        Assert.Contains("MemoryError", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task NetworkIsUnreachableFromTheSandbox()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var code = $"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'leak')\n";
            var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, code, TrivialTests);
            Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
            Assert.Contains("Error", verdict.Feedback); // ConnectionRefusedError / OSError: network unreachable
            Assert.False(listener.Pending(), "the sandbox reached a host socket");
        }
        finally
        {
            listener.Stop();
        }
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task WritingOutsideTmpFailsAndLeavesTheHostUntouched()
    {
        var hostPath = Path.Combine(AppContext.BaseDirectory, $"escaped-{Guid.NewGuid():N}.txt");
        var code = $"open({PythonString(hostPath)}, 'w').write('escaped')\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, code, TrivialTests);
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.False(File.Exists(hostPath));

        var system = await Sandboxes.RunPython(Sandboxes.Sandboxed, "open('/usr/evil', 'w').write('x')\n", TrivialTests);
        Assert.Equal(VerdictStatus.RuntimeError, system.Status);
        Assert.Contains("Read-only file system", system.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task TheHostsHomeFolderIsInvisible()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "import os\nprint(os.listdir('/root'))\n", TrivialTests);
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("No such file or directory", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task PrintingAHundredMegabytesIsStoppedWithOutputCapped()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed,
            "import sys\nchunk = 'x' * (1024 * 1024)\nfor _ in range(100):\n    sys.stdout.write(chunk)\n", TrivialTests);
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("Output limit exceeded", verdict.Feedback);
        Assert.True(verdict.Feedback.Length < 10_000, "feedback must carry only a tail of the output");
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task PrintingAFakePassAndExitingZeroIsNotAPass()
    {
        const string forger = "print('{\"status\": \"passed\", \"feedback\": \"All 1 checks passed.\"}')\nprint('PASSED')\nimport sys\nsys.exit(0)\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, forger, "assert False\n");
        Assert.False(verdict.Passed);
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("exit(0)", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task HardExitBeforeTheChecksIsNotAPass()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "import os\nprint('ok')\nos._exit(0)\n", "assert False\n");
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("before the checks finished", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task AForgedResultWrittenIntoTheResultFileIsNotAPass()
    {
        const string forger = "import json, os\nopen('/sdpo-run/result.json', 'w').write(json.dumps({'status': 'passed', 'feedback': '', 'mac': '00' * 32}))\nos._exit(0)\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, forger, "assert False\n");
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("before the checks finished", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task OnlyTmpAndTheResultFileAreWritable()
    {
        // A writable run folder let a candidate fill the host's disk, and bwrap's own root (a tmpfs without a size
        // limit) its memory, one file of the size limit at a time.
        foreach (var path in new[] { "/sdpo-run/other.bin", "/other.bin" })
        {
            var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, $"open('{path}', 'wb').write(b'x' * 1024)\n", TrivialTests);
            Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
            Assert.Contains("Read-only file system", verdict.Feedback);
        }
        var tmp = await Sandboxes.RunPython(Sandboxes.Sandboxed, "open('/tmp/ok.bin', 'wb').write(b'x' * 1024)\n", TrivialTests);
        Assert.True(tmp.Passed, tmp.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task DevIsReadOnlyAndDevShmIsBounded()
    {
        // bwrap's /dev and /dev/shm were a writable tmpfs of half the host's memory, outside the memory limit: files of
        // the size limit, one after another, filled it. 512 MiB is far above the configured ShmSizeBytes (16 MiB).
        const string code = """
            def fill(folder):
                try:
                    for i in range(64):
                        with open(f'{folder}/f{i}', 'wb') as f:
                            f.write(b'x' * (8 << 20))
                    return 'wrote 512 MiB'
                except OSError as error:
                    return error.errno

            shm = fill('/dev/shm')
            dev = fill('/dev')
            with open('/dev/null', 'w') as null:
                null.write('still usable')
            """;
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, code, "import errno\nassert shm == errno.ENOSPC, shm\nassert dev == errno.EROFS, dev\n");
        Assert.True(verdict.Passed, verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task MemoryOutsideTheMemoryLimitCannotBeCreated()
    {
        // System V segments, semaphore sets and message queues live in the run's IPC namespace, and memfd files in
        // memory, none of them counted by RLIMIT_AS: a detached 1 GiB segment, or 400 semaphore sets (804 MiB), were
        // held under a 512 MiB limit until the run ended. The seccomp filter refuses creating them.
        const string code = """
            import ctypes, multiprocessing, os
            libc = ctypes.CDLL(None, use_errno=True)
            libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]

            def outcome(result):
                return ctypes.get_errno() if result == -1 else 'created'

            try:
                os.memfd_create('hog')
                memfd = 'created'
            except OSError as error:
                memfd = error.errno
            shm = outcome(libc.shmget(0, 1 << 30, 0o1000 | 0o600))
            sem = outcome(libc.semget(0, 32000, 0o1000 | 0o600))
            msg = outcome(libc.msgget(0, 0o1000 | 0o600))
            # POSIX semaphores (files in /dev/shm), which multiprocessing uses, are not System V ones.
            lock = multiprocessing.Lock()
            with lock:
                locked = True
            """;
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, code, """
            import errno
            assert memfd == errno.EPERM, memfd
            assert shm == errno.EPERM, shm
            assert sem == errno.EPERM, sem
            assert msg == errno.EPERM, msg
            assert locked
            """);
        Assert.True(verdict.Passed, verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true, needsX64: true)]
    public async Task ThirtyTwoBitSystemCallsKillTheProcess()
    {
        // int 0x80 reaches the i386 calls, whose numbers the filter does not list (shmget is 395 there, and ipc() does
        // it all), so the filter kills a process that makes one.
        const string code = """
            import ctypes, mmap, os, signal
            memory = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            memory.write(bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3]))  # mov eax, 20 (i386 getpid); int 0x80; ret
            call = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(memory)))
            child = os.fork()
            if child == 0:
                call()
                os._exit(0)
            _, status = os.waitpid(child, 0)
            outcome = signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else 'ran'
            """;
        // A kernel without i386 emulation faults on int 0x80 whether filtered or not.
        var unfiltered = await Sandboxes.RunPython(Sandboxes.Unsandboxed, code, "assert outcome == 'ran', outcome\n");
        var expected = unfiltered.Passed ? "outcome == 'SIGSYS'" : "outcome in ('SIGSYS', 'SIGSEGV')";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, code, $"assert {expected}, outcome\n");
        Assert.True(verdict.Passed, verdict.Feedback + " (unfiltered: " + unfiltered.Feedback + ")");
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task TheEnvironmentIsCleared()
    {
        Environment.SetEnvironmentVariable("SDPO_TEST_SECRET", "hunter2");
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "import os\nsecret = os.environ.get('SDPO_TEST_SECRET')\n", "assert secret is None\n");
        Assert.True(verdict.Passed, verdict.Feedback);
    }

    private static string PythonString(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
