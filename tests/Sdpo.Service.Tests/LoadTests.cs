using Sdpo.Service.LoadTest;

namespace Sdpo.Service.Tests;

public sealed class LoadTests
{
    [Fact]
    public async Task A_small_loopback_load_loses_no_run_and_every_subscriber_sees_its_whole_run()
    {
        var options = new LoadOptions { Submissions = 12, Clients = 4, Subscribers = 4, AttemptsPerRun = 3, AttemptsPerStep = 2, Timeout = TimeSpan.FromSeconds(60) };
        var report = await ServiceLoadRunner.RunAsync(options, TextWriter.Null);

        Assert.True(report.Passed, string.Join(Environment.NewLine, report.Problems));
        Assert.Equal(12, report.Accepted);
        Assert.Equal(0, report.Lost);
        Assert.Equal(12, report.Finished);
        Assert.Equal(4, report.CompleteStreams);
        // 3 attempts, a step after attempt 2, the discovery and the run's ended event: 6 events a run.
        Assert.Equal(12 * 6, report.EventsStored);
        Assert.Equal(4 * 6, report.EventsStreamed);
        Assert.True(report.SubmitP50Ms > 0 && report.SubmitP50Ms <= report.SubmitP99Ms);
    }
}
