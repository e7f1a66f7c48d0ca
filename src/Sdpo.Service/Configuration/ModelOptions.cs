using System.ComponentModel.DataAnnotations;

namespace Sdpo.Service.Configuration;

/// <summary>One model the service can run discovery on (an entry of the "Models" array).</summary>
public sealed class ModelOptions
{
    public const string SectionName = "Models";

    [Required] public string Name { get; set; } = "";

    /// <summary>Checkpoint folder in Hugging Face layout (config.json, *.safetensors, tokenizer.json or tokenizer.model);
    /// a relative path is taken from the repository root (from the binaries' folder in a published build, where its appsettings.json is).</summary>
    [Required] public string Path { get; set; } = "";

    /// <summary>"cpu", "cuda", "cuda:1", ...; each distinct device gets its own queue and worker.</summary>
    [Required] public string Device { get; set; } = "cpu";

    /// <summary>"float32", "bfloat16" or "float16".</summary>
    public string Dtype { get; set; } = "float32";

    /// <summary>The model used when a request names none; the first model when none is marked.</summary>
    public bool Default { get; set; }

    /// <summary>LibTorch's CPU threads for this model's work; null leaves LibTorch's default (one per core, or the count
    /// last set for another model: LibTorch starts new threads with the last count set in the process).</summary>
    public int? Threads { get; set; }
}

/// <summary>The configured models, bound from the "Models" array.</summary>
public sealed class ModelCatalogOptions
{
    public List<ModelOptions> Models { get; set; } = [];

    /// <summary>Binds each entry on its own: the binder skips, silently, a list entry with a value that does not parse
    /// (<c>Threads=two</c>), which removed the model; bound alone, the entry's mistake is raised naming the setting.</summary>
    public static void Bind(IConfigurationSection models, ModelCatalogOptions catalog)
    {
        foreach (var entry in models.GetChildren())
        {
            var model = new ModelOptions();
            entry.Bind(model);
            catalog.Models.Add(model);
        }
    }
}
