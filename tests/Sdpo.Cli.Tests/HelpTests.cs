using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Sdpo.Cli.Commands;
using Sdpo.Training.Arithmetic;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Tests;

/// <summary>What --help says about each option: what it does, and the value it takes when left out.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class HelpTests
{
    private static readonly Type[] SettingsTypes = typeof(CliCommands).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(CommandSettings)) && !t.IsAbstract).OrderBy(t => t.FullName).ToArray();

    [Fact]
    public void EveryOptionHasADescriptionThatGivesItsDefault()
    {
        // pretrain --help said nothing of --seed, --steps, --batch, --lr, --warmup, --hidden and more; the model card relies on
        // their defaults. An option with a value when left out must say which, and say it right.
        Assert.True(SettingsTypes.Length >= 8, string.Join(", ", SettingsTypes.Select(t => t.FullName)));
        var faults = new List<string>();
        foreach (var type in SettingsTypes)
        {
            var defaults = Activator.CreateInstance(type)!;
            foreach (var (property, option) in Options(type))
            {
                string name = $"{type.DeclaringType?.Name ?? type.Name} {option}";
                var description = property.GetCustomAttribute<DescriptionAttribute>()?.Description;
                if (string.IsNullOrWhiteSpace(description))
                {
                    faults.Add($"{name}: no description");
                    continue;
                }
                switch (property.GetValue(defaults))
                {
                    case null or bool:
                        break; // an option that is unset when left out, or a flag
                    case string text when !(description.Contains("default", StringComparison.Ordinal) && description.Contains(text, StringComparison.Ordinal)):
                        faults.Add($"{name}: the description does not give the default '{text}': {description}");
                        break;
                    case int or long or double:
                        var value = Convert.ToDouble(property.GetValue(defaults), CultureInfo.InvariantCulture);
                        if (DescribedDefault(description, "default:?") is not { } described || described != value)
                            faults.Add($"{name}: the description does not give the default {value.ToString(CultureInfo.InvariantCulture)}: {description}");
                        break;
                }
            }
        }
        Assert.True(faults.Count == 0, string.Join(Environment.NewLine, faults));
    }

    [Fact]
    public void PretrainsDescriptionsGiveTheDefaultsOfAFullAndOfAQuickRun()
    {
        // Left out, these take PretrainOptions' values (a full run) or PretrainOptions.Quick's: the help must give both where they differ.
        PretrainOptions full = new() { OutputFolder = "x" }, quick = PretrainOptions.Quick("x");
        var expected = new Dictionary<string, (double Full, double Quick)>
        {
            ["--steps"] = (full.Steps, quick.Steps), ["--batch"] = (full.BatchSize, quick.BatchSize), ["--hidden"] = (full.HiddenSize, quick.HiddenSize),
            ["--layers"] = (full.Layers, quick.Layers), ["--heads"] = (full.Heads, quick.Heads), ["--kv-heads"] = (full.KeyValueHeads, quick.KeyValueHeads),
            ["--intermediate"] = (full.IntermediateSize, quick.IntermediateSize), ["--lr"] = (full.LearningRate, quick.LearningRate),
            ["--warmup"] = (full.WarmupSteps, quick.WarmupSteps), ["--seed"] = (full.Seed, quick.Seed),
            ["--teacher-share"] = (full.Curriculum.TeacherShare, quick.Curriculum.TeacherShare),
            ["--evaluation-share"] = (full.Curriculum.EvaluationShare, quick.Curriculum.EvaluationShare),
            ["--self-failure-share"] = (full.SelfFailureShare, quick.SelfFailureShare), ["--self-solved-share"] = (full.SelfSolvedShare, quick.SelfSolvedShare),
            ["--policy-gradient-puzzles"] = (full.PolicyGradientPuzzles, quick.PolicyGradientPuzzles),
            ["--policy-gradient-samples"] = (full.PolicyGradientSamples, quick.PolicyGradientSamples),
            ["--policy-gradient-teacher-share"] = (full.PolicyGradientTeacherShare, quick.PolicyGradientTeacherShare),
        };
        var descriptions = Options(typeof(PretrainCommand.Settings))
            .ToDictionary(o => o.Option, o => o.Property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "");
        foreach (var (option, (fullDefault, quickDefault)) in expected)
        {
            var description = descriptions[option];
            Assert.True(DescribedDefault(description, "default") == fullDefault, $"{option}: expected default {fullDefault}: {description}");
            if (quickDefault != fullDefault)
                Assert.True(DescribedDefault(description, "--quick") == quickDefault, $"{option}: expected --quick {quickDefault}: {description}");
        }
    }

    [Theory]
    [InlineData("pretrain")]
    [InlineData("eval")]
    [InlineData("solve")]
    [InlineData("probe")]
    [InlineData("bench")]
    [InlineData("bench-engine")]
    [InlineData("bench-discovery")]
    [InlineData("bench-verifiers")]
    public async Task EveryCommandsHelpRendersItsDescriptions(string command)
    {
        // Spectre reads descriptions as markup: a bare "]" (as in "(0, 10]") fails the help with exit code -1.
        var (exitCode, help) = await CliRunner.RunAsync(command, "--help");

        Assert.True(exitCode == 0, help);
        var text = Regex.Replace(help, @"\s+", " ");
        var settings = SettingsTypes.Single(t => t.DeclaringType?.Name.Equals(command.Replace("-", "") + "Command", StringComparison.OrdinalIgnoreCase) == true);
        foreach (var (property, option) in Options(settings))
        {
            // As rendered: markup such as [[ ]] unescaped, the full stop dropped.
            var description = Regex.Replace(Spectre.Console.Markup.Remove(property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? ""), @"\s+", " ").TrimEnd('.');
            Assert.True(text.Contains(description[..Math.Min(30, description.Length)], StringComparison.Ordinal), $"{option}: {description}");
        }
    }

    [Fact]
    public async Task PretrainHelpShowsTheDefaultsTheModelCardReliesOn()
    {
        var (exitCode, help) = await CliRunner.RunAsync("pretrain", "--help");

        Assert.Equal(0, exitCode);
        var text = Regex.Replace(help, @"\s+", " ");
        Assert.Contains("(default 2e-3)", text); // the model card: "lr 2e-3, 100 warmup steps"
        Assert.Contains("(default 100; --quick 5)", text);
        Assert.Contains("(default 3000; --quick 30)", text);
    }

    private static IEnumerable<(PropertyInfo Property, string Option)> Options(Type settings) =>
        settings.GetProperties()
            .Select(p => (Property: p, Attribute: p.GetCustomAttribute<CommandOptionAttribute>()))
            .Where(p => p.Attribute is not null)
            .Select(p => (p.Property, p.Attribute!.LongNames.Count > 0 ? "--" + p.Attribute.LongNames[0] : "-" + p.Attribute.ShortNames[0]));

    /// <summary>The number after <paramref name="label"/> (a pattern) in a description ("default 64", "--quick 30"), or null.</summary>
    private static double? DescribedDefault(string description, string label)
    {
        var match = Regex.Match(description, label + @" (-?[0-9][0-9.eE+-]*)");
        if (!match.Success) return null;
        return double.TryParse(match.Groups[1].Value.TrimEnd('.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
