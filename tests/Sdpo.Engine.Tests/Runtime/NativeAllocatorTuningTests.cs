using Sdpo.Engine.Runtime;

namespace Sdpo.Engine.Tests.Runtime;

public class NativeAllocatorTuningTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void AppliesOnLinuxUnlessTheOperatorChoseOtherwise()
    {
        Assert.Null(NativeAllocatorTuning.SkipReason(Environment(), isLinux: true));
        Assert.Null(NativeAllocatorTuning.SkipReason(Environment(("SDPO_NATIVE_HEAP", "tuned")), isLinux: true));
        Assert.Equal("not Linux", NativeAllocatorTuning.SkipReason(Environment(), isLinux: false));
        Assert.Equal("SDPO_NATIVE_HEAP=default", NativeAllocatorTuning.SkipReason(Environment(("SDPO_NATIVE_HEAP", "Default")), isLinux: true));
        Assert.Equal("MALLOC_TRIM_THRESHOLD_ is set", NativeAllocatorTuning.SkipReason(Environment(("MALLOC_TRIM_THRESHOLD_", "0")), isLinux: true));
        Assert.Equal("GLIBC_TUNABLES is set", NativeAllocatorTuning.SkipReason(Environment(("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")), isLinux: true));
    }

    [Fact]
    public void GlibcTakesTheSettingsWhereTheyApply()
    {
        // Debian and the CI image use glibc, whose mallopt accepts every value set: false there means a binding or range
        // mistake. Where the environment opts out, nothing is applied.
        var applies = NativeAllocatorTuning.SkipReason(System.Environment.GetEnvironmentVariable, OperatingSystem.IsLinux()) is null;
        Assert.Equal(applies, NativeAllocatorTuning.Apply());
    }
}
