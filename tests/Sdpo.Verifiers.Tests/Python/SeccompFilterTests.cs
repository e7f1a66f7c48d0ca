using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>The filter's program on its own, installed in a plain python3 (no bubblewrap needed).</summary>
public class SeccompFilterTests
{
    // Installs the program given in hex, then prints what each call did: an errno, or "ok".
    private const string Script = """
        import ctypes, json, os, sys
        program = ctypes.create_string_buffer(bytes.fromhex(sys.argv[1]))
        class Fprog(ctypes.Structure):
            _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
        fprog = Fprog(len(sys.argv[1]) // 16, ctypes.addressof(program))
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
        libc.syscall.argtypes = [ctypes.c_long]
        assert libc.prctl(38, 1, None, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
        assert libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0) == 0, ctypes.get_errno()  # PR_SET_SECCOMP, FILTER

        def outcome(result):
            return ctypes.get_errno() if result == -1 else 'ok'

        def memfd():
            try:
                os.close(os.memfd_create('x'))
                return 'ok'
            except OSError as error:
                return error.errno

        print(json.dumps({
            'memfd_create': memfd(),
            'shmget': outcome(libc.shmget(0, 4096, 0o1000 | 0o600)),
            'semget': outcome(libc.semget(0, 1, 0o1000 | 0o600)),
            'msgget': outcome(libc.msgget(0, 0o1000 | 0o600)),
            'getpid': outcome(libc.getpid()),
            'x32 getpid': outcome(libc.syscall(0x40000000 | 39)),
        }))
        """;

    [PythonFact]
    public void RefusesTheCallsThatHoldMemoryOutsideTheLimitAndAllowsTheRest()
    {
        if (SeccompFilter.Program is not { } program)
        {
            Assert.Null(SeccompFilter.Build(RuntimeInformation.ProcessArchitecture)); // an architecture without a filter
            return;
        }
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-I", "-c", Script, Convert.ToHexString(program) }) start.ArgumentList.Add(argument);
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEnd();
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, error);

        const int EPerm = 1, ENoSys = 38;
        var outcomes = JsonDocument.Parse(output).RootElement;
        foreach (var call in new[] { "memfd_create", "shmget", "semget", "msgget" })
        {
            var outcome = outcomes.GetProperty(call);
            Assert.True(outcome.ValueKind == JsonValueKind.Number && outcome.GetInt32() == EPerm, $"{call}: {output}");
        }
        Assert.Equal("ok", outcomes.GetProperty("getpid").GetString());
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
            Assert.Equal(ENoSys, outcomes.GetProperty("x32 getpid").GetInt32());
    }

    [Fact]
    public void IsBuiltForX64AndArm64Only()
    {
        Assert.NotNull(SeccompFilter.Build(Architecture.X64));
        Assert.NotNull(SeccompFilter.Build(Architecture.Arm64));
        Assert.Null(SeccompFilter.Build(Architecture.X86));
        Assert.Null(SeccompFilter.Build(Architecture.Arm));
    }
}
