using System.Globalization;
using System.Text.RegularExpressions;
using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

[Collection(nameof(ConsoleCapture))]
public class SolveCommandTests
{
    [Fact]
    public async Task AnSdpoStepReportsWhatTheTeacherSaidAndAnUnsolvedPuzzleExitsWithOne()
    {
        // 1, 1 and 2 reach at most 4, so the target 97 is never hit: the run must spend its whole budget.
        var (exitCode, output) = await CliRunner.RunAsync("solve", "--numbers", "1,1,2", "--target", "97", "--budget", "16", "-g", "8",
            "--seed", "1", "--threads", "1", "--model", Checkout.EmbeddedModel);

        Assert.True(exitCode == 1, output);
        Assert.Contains("No passing answer in 16 attempts", output);
        // Plain text: without the console's colour codes and with its wrapped lines joined.
        var text = Regex.Replace(Regex.Replace(output, @"\x1b\[[0-9;]*m", ""), @"\s+", " ");
        var steps = Regex.Matches(text, @"step (\d) · .*? loss (\S+) · (\d+) trained · divergence (\S+) · teacher−student log-ratio (\S+)");
        Assert.True(steps.Select(m => m.Groups[1].Value).SequenceEqual(["0", "1"]), text);
        foreach (Match step in steps)
        {
            Assert.True(double.Parse(step.Groups[4].Value, CultureInfo.InvariantCulture) > 0, step.Value);
            var logRatio = step.Groups[5].Value.Replace('−', '-');
            Assert.True(double.TryParse(logRatio, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio != 0, step.Value);
        }
    }

    [Fact]
    public async Task SdpoOptionsLieOverTheModelsAndAMisspelledOneIsNamed()
    {
        // learningSteps 1: only step 0 learns, so step 1 reports no loss. The model's recommendation still holds for the
        // rest: one distinct failure distilled (its copies), not every one of the eight as the paper's defaults would.
        var (exitCode, output) = await CliRunner.RunAsync("solve", "--numbers", "1,1,2", "--target", "97", "--budget", "16", "-g", "8",
            "--seed", "1", "--threads", "1", "--model", Checkout.EmbeddedModel, "--sdpo", "{\"learningSteps\": 1}");
        Assert.True(exitCode == 1, output);
        var text = Regex.Replace(Regex.Replace(output, @"\x1b\[[0-9;]*m", ""), @"\s+", " ");
        var trained = int.Parse(Regex.Match(text, @"step 0 · 8 attempts · .*? loss \S+ · (\d+) trained").Groups[1].Value);
        Assert.InRange(trained, 1, 7);
        Assert.Matches(@"step 1 · 16 attempts · \S+/s · \d+ ms No passing answer", text);

        (exitCode, output) = await CliRunner.RunAsync("solve", "--numbers", "1,1,2", "--target", "97", "--model", Checkout.EmbeddedModel,
            "--sdpo", "{\"learningStepz\": 1}");
        Assert.True(exitCode != 0, output);
        Assert.Contains("--sdpo", output);
        Assert.Contains("learningStepz", output);
    }

    [Theory]
    [InlineData("--sdpo", """{"teacher": "emma"}""", "--sdpo: sdpo.teacher must be one of ema, frozen, trust-region; got \"emma\".")]
    [InlineData("--sdpo", """{"learningRate": "fast"}""", "--sdpo: sdpo.learningRate must be a number; got \"fast\".")]
    [InlineData("--sdpo", """{"teacher": "Frozen"}""", "--sdpo: sdpo.teacher must be one of ema, frozen, trust-region; got \"Frozen\".")]
    [InlineData("--sdpo", """{"divergence": "ForwardKl"}""", "--sdpo: sdpo.divergence must be one of reverse-kl, forward-kl, jensen-shannon; got \"ForwardKl\".")]
    [InlineData("--sdpo", """{"learningRate": "0.1"}""", "--sdpo: sdpo.learningRate must be a number; got \"0.1\".")]
    [InlineData("--sdpo", """{"loraModules": "q_proj"}""", "--sdpo: sdpo.loraModules must be an array of strings or null; got \"q_proj\".")]
    [InlineData("--sdpo", "[1]", "--sdpo: sdpo must be a JSON object of SDPO options, or null for the defaults; got [1].")]
    [InlineData("--sdpo", """{"loraRank": 0}""", "--sdpo: sdpo.loraRank must be between 1 and 256.")]
    [InlineData("--lr", "5", "--lr must be in (0, 1].")]
    public async Task ABadSdpoOptionIsNamedAsWrittenWithWhatItTakes(string option, string value, string message)
    {
        // Not the serializer's note on the options merged with the defaults (a byte position in that JSON, the enum's
        // .NET type), nor .NET's parameter note.
        var (exitCode, output) = await CliRunner.RunAsync("solve", "--numbers", "3,5,7", "--target", "22", option, value);
        Assert.True(exitCode != 0, output);
        var text = Regex.Replace(output, @"\s+", " ");
        Assert.Contains(message, text);
        Assert.DoesNotContain("BytePosition", text);
        Assert.DoesNotContain("Sdpo.Engine", text);
        Assert.DoesNotContain("Parameter", text);
    }

    [Theory]
    [InlineData("solve")]
    [InlineData("bench")]
    [InlineData("bench-discovery")]
    [InlineData("probe")]
    public async Task SdpoNullKeepsTheModelsDefaultsAsInTheServiceAndTheHelpSaysSo(string command)
    {
        // The service's "sdpo": null is the model's defaults; --sdpo null is the same, and [1] an error.
        var model = new Sdpo.Engine.Discovery.SdpoOptions { TopK = 12 };
        Assert.True(SdpoOptionsJson.TryParse("null", null, model, out var options, out _));
        Assert.Equal(model, options);
        Assert.False(SdpoOptionsJson.TryParse("[1]", null, model, out _, out _));

        var (exitCode, help) = await CliRunner.RunAsync(command, "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains("null keeps them all (as the service's \"sdpo\": null)", Regex.Replace(help, @"\s+", " "));
    }

    [Theory]
    [InlineData("--budjet", "solve", "--numbers", "1,1,2", "--target", "97", "--budjet", "256")]
    [InlineData("--seed", "bench", "--suite", "arithmetic-mid", "--count", "1", "--seed", "3")] // bench takes --seeds; --seed is solve's
    public async Task AMistypedOptionIsAnErrorNotADefault(string mistyped, params string[] args)
    {
        // Parsed leniently, these ran with the option's default (64 attempts; one seed) and said nothing.
        var (exitCode, output) = await CliRunner.RunAsync([.. args, "--model", Checkout.EmbeddedModel]);
        Assert.True(exitCode != 0, output);
        Assert.Contains($"{mistyped} ", output);
        Assert.Contains("Unknown option", output);
        Assert.DoesNotContain("attempts", output); // nothing ran
    }
}
