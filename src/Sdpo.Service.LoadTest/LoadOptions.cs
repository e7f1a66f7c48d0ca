namespace Sdpo.Service.LoadTest;

/// <summary>The shape of one load run; the defaults are the bounded run of issue 6.</summary>
public sealed record LoadOptions
{
    public int Submissions { get; init; } = 200;
    public int Clients { get; init; } = 20;
    public int Subscribers { get; init; } = 50;
    public int AttemptsPerRun { get; init; } = 8;
    public int AttemptsPerStep { get; init; } = 4;
    public int RunsPerDevice { get; init; } = 1;
    public TimeSpan AttemptDelay { get; init; } = TimeSpan.Zero;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);

    public void Validate()
    {
        if (Submissions < 1) throw new ArgumentException("--submissions must be at least 1.");
        if (Clients < 1 || Clients > Submissions) throw new ArgumentException("--clients must be between 1 and --submissions.");
        if (Subscribers < 0 || Subscribers > Submissions) throw new ArgumentException("--subscribers must be between 0 and --submissions.");
        if (AttemptsPerRun < 1) throw new ArgumentException("--attempts must be at least 1.");
        if (AttemptsPerStep < 1) throw new ArgumentException("--per-step must be at least 1.");
        if (RunsPerDevice < 1) throw new ArgumentException("--runs-per-device must be at least 1.");
    }

    /// <summary>Reads <c>--name value</c> pairs; unknown names are errors that say which.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i += 2)
        {
            var name = args[i];
            if (i + 1 >= args.Count) throw new ArgumentException($"{name} needs a value.");
            var text = args[i + 1];
            int Int() => int.TryParse(text, out var value) ? value : throw new ArgumentException($"{name} needs an integer, not '{text}'.");
            options = name switch
            {
                "--submissions" => options with { Submissions = Int() },
                "--clients" => options with { Clients = Int() },
                "--subscribers" => options with { Subscribers = Int() },
                "--attempts" => options with { AttemptsPerRun = Int() },
                "--per-step" => options with { AttemptsPerStep = Int() },
                "--runs-per-device" => options with { RunsPerDevice = Int() },
                "--attempt-delay-ms" => options with { AttemptDelay = TimeSpan.FromMilliseconds(Int()) },
                "--timeout-s" => options with { Timeout = TimeSpan.FromSeconds(Int()) },
                _ => throw new ArgumentException(
                    $"Unknown option {name}; options are --submissions, --clients, --subscribers, --attempts, --per-step, --runs-per-device, --attempt-delay-ms, --timeout-s."),
            };
        }
        options.Validate();
        return options;
    }
}
