using Sdpo.Cli.Benchmarks;

namespace Sdpo.Cli.Tests;

public sealed class MemorySnapshotTests
{
    [Theory]
    [InlineData(0.023, "+2.3%")]
    [InlineData(-0.063, "-6.3%")]
    [InlineData(0.0, "0.0%")]
    [InlineData(-0.00001, "0.0%")] // rounds to nothing: not "-+0.0%"
    [InlineData(0.00001, "0.0%")]
    public void Growth_is_a_signed_percentage_and_a_rounded_zero_has_no_sign(double growth, string expected) =>
        Assert.Equal(expected, MemorySnapshot.Percent(growth));

    [Fact]
    public void Gc_heap_growth_names_the_percentage_and_the_kibibytes()
    {
        var start = new MemorySnapshot(100 << 20, 90 << 20, 2 << 20, 10);
        Assert.Equal("+25.0% (+512 KiB)", new MemorySnapshot(100 << 20, 90 << 20, (2 << 20) + (512 << 10), 10).GcHeapGrowthTextSince(start));
        Assert.Equal("0.0% (0 KiB)", new MemorySnapshot(100 << 20, 90 << 20, (2 << 20) - 100, 10).GcHeapGrowthTextSince(start));
    }
}
