using Sdpo.Contracts;

namespace Sdpo.Verifiers.Tests;

public class VerdictTests
{
    [Fact]
    public void OnlyPassedStatusCountsAsPassed()
    {
        Assert.True(Verdict.Pass().Passed);
        foreach (var status in Enum.GetValues<VerdictStatus>().Where(s => s != VerdictStatus.Passed))
            Assert.False(Verdict.Fail(status, "no").Passed);
        Assert.Throws<ArgumentException>(() => Verdict.Fail(VerdictStatus.Passed, "contradiction"));
    }
}
