using System.Globalization;
using System.Text;

namespace Sdpo.Service.LoadTest;

/// <summary>What one load run measured, and every way it found the service wanting (<see cref="Problems"/>).</summary>
public sealed record LoadReport(
    LoadOptions Options,
    int Accepted,
    int Rejected,
    int Lost,
    int Finished,
    double SubmitP50Ms,
    double SubmitP99Ms,
    double SubmitMaxMs,
    double WallSeconds,
    long EventsStored,
    long EventsStreamed,
    int CompleteStreams,
    IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;

    public double RunsPerSecond => Finished / WallSeconds;

    public double StoredEventsPerSecond => EventsStored / WallSeconds;

    public double StreamedEventsPerSecond => EventsStreamed / WallSeconds;

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var o = Options;
        var text = new StringBuilder();
        text.AppendLine(c, $"| submissions (clients) | SSE subscribers | attempts per run | runs per device | lost | final | submit p50 / p99 / max | wall | runs/s | events stored/s | events streamed/s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        text.AppendLine(c,
            $"| {o.Submissions} ({o.Clients}) | {o.Subscribers} ({CompleteStreams} complete) | {o.AttemptsPerRun} | {o.RunsPerDevice} | {Lost} lost, {Rejected} rejected | {Finished}/{Accepted} | " +
            $"{SubmitP50Ms:0.0} / {SubmitP99Ms:0.0} / {SubmitMaxMs:0.0} ms | {WallSeconds:0.00} s | {RunsPerSecond:0} | {StoredEventsPerSecond:0} | {StreamedEventsPerSecond:0} |");
        return text.ToString();
    }
}
