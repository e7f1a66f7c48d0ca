using System.Text.Json;

namespace Sdpo.Cli;

/// <summary>
/// journal.jsonl in a bench output folder: the configuration fingerprint, then one line per finished selection
/// or run, appended as they end. A long bench that stops (Ctrl+C, a crash) picks up where it was with --resume;
/// without it the journal starts anew. Runs are keyed by problem label, method and seed.
/// </summary>
public sealed class BenchJournal
{
    public const string FileName = "journal.jsonl";

    /// <summary>One line. Kind "config" carries <see cref="Fingerprint"/>; "screen" a selection verdict; "run" a run's outcome.</summary>
    public sealed record Entry(
        string Kind, string? Fingerprint = null, string? Label = null, string? Method = null, long? Seed = null,
        int? Samples = null, int? Passes = null, double? BasePassAtK = null, bool? Selected = null, string? Note = null,
        int? AttemptsToDiscovery = null, int Attempts = 0, bool Completed = false, double? Seconds = null);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    private readonly string _path;
    private readonly Dictionary<string, Entry> _screens = [];
    private readonly Dictionary<(string, string, long), Entry> _runs = [];

    private BenchJournal(string path) => _path = path;

    /// <summary>Opens the folder's journal; throws <see cref="InvalidOperationException"/> when resuming one written with another configuration.</summary>
    public static BenchJournal Open(string folder, string fingerprint, bool resume)
    {
        Directory.CreateDirectory(folder);
        var journal = new BenchJournal(Path.Combine(folder, FileName));
        if (resume && File.Exists(journal._path))
        {
            var lines = File.ReadAllLines(journal._path).Where(l => l.Trim().Length > 0).ToList();
            var entries = new List<Entry>();
            foreach (var line in lines)
            {
                try { entries.Add(JsonSerializer.Deserialize<Entry>(line, Json)!); }
                catch (JsonException) { /* a line cut off by the stop: that run is simply made again */ }
            }
            var config = entries.FirstOrDefault(e => e.Kind == "config");
            if (config is not null && config.Fingerprint != fingerprint)
                throw new InvalidOperationException($"--resume: {journal._path} was written with another configuration ({config.Fingerprint}); use another --output or leave out --resume.");
            foreach (var entry in entries)
            {
                if (entry.Kind == "screen" && entry.Label is { } label) journal._screens[label] = entry;
                if (entry.Kind == "run" && entry is { Label: { } l, Method: { } m, Seed: { } s }) journal._runs[(l, m, s)] = entry;
            }
            if (config is not null) return journal;
        }
        File.WriteAllText(journal._path, "");
        journal.Append(new Entry("config", fingerprint));
        return journal;
    }

    public int Restored => _screens.Count + _runs.Count;

    public Entry? Screen(string label) => _screens.GetValueOrDefault(label);

    public Entry? Run(string label, string method, long seed) => _runs.GetValueOrDefault((label, method, seed));

    public void Append(Entry entry) => File.AppendAllText(_path, JsonSerializer.Serialize(entry, Json) + "\n");
}
