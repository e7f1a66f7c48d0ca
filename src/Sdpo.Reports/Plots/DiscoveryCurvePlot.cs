using ScottPlot;
using Sdpo.Engine.Metrics;

namespace Sdpo.Reports.Plots;

/// <summary>
/// discovery@k against k on a log2 axis, one line per method with its bootstrap interval as a shaded band,
/// drawn with ScottPlot. Ticks sit at the powers of two the report evaluates (and the budget), labelled with k.
/// A method with no completed run has no curve (its discovery@k is undefined, not 0): the legend says so instead.
/// </summary>
public static class DiscoveryCurvePlot
{
    public const int DefaultWidth = 800;
    public const int DefaultHeight = 500;

    private static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#d62728"), Color.FromHex("#2ca02c"), Color.FromHex("#9467bd"), Color.FromHex("#ff7f0e"),
    ];

    public static string RenderSvg(BenchmarkReport report, string? title = null, int width = DefaultWidth, int height = DefaultHeight) =>
        Create(report, title).GetSvgXml(width, height);

    public static byte[] RenderPng(BenchmarkReport report, string? title = null, int width = DefaultWidth, int height = DefaultHeight) =>
        Create(report, title).GetImageBytes(width, height, ImageFormat.Png);

    public static Plot Create(BenchmarkReport report, string? title = null)
    {
        var plot = new Plot();
        for (int i = 0; i < report.Methods.Count; i++)
        {
            var method = report.Methods[i];
            if (method.Curve.Count == 0) continue;
            var color = Palette[i % Palette.Length];
            if (method.Runs == 0 || method.Curve.Any(p => p.Estimate is null))
            {
                plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"{method.Method}: no completed runs", LineColor = color, LineWidth = 2, LinePattern = LinePattern.Dotted });
                continue;
            }
            double[] xs = method.Curve.Select(p => Math.Log2(p.K)).ToArray();

            var band = plot.Add.FillY(xs, method.Curve.Select(p => p.Lower!.Value).ToArray(), method.Curve.Select(p => p.Upper!.Value).ToArray());
            band.FillStyle.Color = color.WithAlpha(0.2);
            band.LineStyle.Width = 0;

            var line = plot.Add.Scatter(xs, method.Curve.Select(p => p.Estimate!.Value).ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LegendText = $"{method.Method} (n = {method.Runs})";
        }

        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var k in report.Ks) ticks.AddMajor(Math.Log2(k), k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = ticks;
        double right = Math.Max(Math.Log2(report.Budget), 1);
        plot.Axes.SetLimits(-0.1, right + 0.1, -0.02, 1.02);

        plot.XLabel("k (attempts, log2 scale)");
        plot.YLabel("discovery@k");
        plot.Title(title ?? $"discovery@k with {report.Confidence * 100:0}% bootstrap intervals");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
