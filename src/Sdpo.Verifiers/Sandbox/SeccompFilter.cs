using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>
/// The seccomp filter bubblewrap installs on a run (<c>--seccomp FD</c>): a classic-BPF program, an array of
/// struct sock_filter { u16 code; u8 jt; u8 jf; u32 k }, in the host's byte order. It refuses (EPERM) the calls that
/// create memory no rlimit bounds: System V shared memory, semaphore sets and message queues (the run's own IPC
/// namespace still holds them until it ends: 400 semaphore sets held 804 MiB under a 512 MiB memory limit) and
/// memfd files. Everything else is allowed. Calls of another ABI than the host's (i386 or arm32 compat mode, which
/// would reach the same kernel objects under other numbers) kill the process; x32 calls fail with ENOSYS.
/// </summary>
internal static class SeccompFilter
{
    private const uint AuditArchX86_64 = 0xC000003E;
    private const uint AuditArchAarch64 = 0xC00000B7;
    private const uint X32SyscallBit = 0x40000000;

    private const ushort LoadWordAbsolute = 0x20; // BPF_LD | BPF_W | BPF_ABS
    private const ushort JumpIfEqual = 0x15;      // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort JumpIfAtLeast = 0x35;    // BPF_JMP | BPF_JGE | BPF_K
    private const ushort Return = 0x06;           // BPF_RET | BPF_K

    private const uint Allow = 0x7FFF0000;
    private const uint Errno = 0x00050000;
    private const uint KillProcess = 0x80000000;
    private const uint EPerm = 1;
    private const uint ENoSys = 38;

    // Offsets in struct seccomp_data.
    private const uint SyscallNumberOffset = 0;
    private const uint ArchOffset = 4;

    /// <summary>The program for this host, or null on an architecture it does not know (the runs then go without).</summary>
    public static byte[]? Program { get; } = Build(RuntimeInformation.ProcessArchitecture);

    public static byte[]? Build(Architecture architecture) => architecture switch
    {
        // shmget, semget, msgget, memfd_create, memfd_secret (arch/x86/entry/syscalls/syscall_64.tbl).
        Architecture.X64 => Build(AuditArchX86_64, refuseX32: true, [29, 64, 68, 319, 447]),
        // The same calls in asm-generic/unistd.h.
        Architecture.Arm64 => Build(AuditArchAarch64, refuseX32: false, [194, 190, 186, 279, 447]),
        _ => null,
    };

    private static byte[] Build(uint arch, bool refuseX32, uint[] refused)
    {
        var program = new List<(ushort Code, byte True, byte False, uint K)>();
        // The returns close the program, in this order; a jump counts instructions forward from the next one.
        var allowAt = 3 + (refuseX32 ? 1 : 0) + refused.Length;
        var (refuseAt, killAt, noSuchCallAt) = (allowAt + 1, allowAt + 2, allowAt + 3);
        byte To(int target) => checked((byte)(target - program.Count - 1));

        program.Add((LoadWordAbsolute, 0, 0, ArchOffset));
        program.Add((JumpIfEqual, 0, To(killAt), arch));
        program.Add((LoadWordAbsolute, 0, 0, SyscallNumberOffset));
        if (refuseX32) program.Add((JumpIfAtLeast, To(noSuchCallAt), 0, X32SyscallBit));
        foreach (var number in refused)
            program.Add((JumpIfEqual, To(refuseAt), 0, number));
        program.Add((Return, 0, 0, Allow));
        program.Add((Return, 0, 0, Errno | EPerm));
        program.Add((Return, 0, 0, KillProcess));
        if (refuseX32) program.Add((Return, 0, 0, Errno | ENoSys));

        var bytes = new byte[program.Count * 8];
        for (var i = 0; i < program.Count; i++)
        {
            var (code, jumpTrue, jumpFalse, k) = program[i];
            var slot = bytes.AsSpan(i * 8, 8);
            // The kernel reads the program in the host's byte order; both architectures above are little-endian.
            BinaryPrimitives.WriteUInt16LittleEndian(slot, code);
            slot[2] = jumpTrue;
            slot[3] = jumpFalse;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], k);
        }
        return bytes;
    }
}
