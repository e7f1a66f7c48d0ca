using Microsoft.Extensions.Options;
using Sdpo.Engine.Models;
using Sdpo.Engine.Runtime;

namespace Sdpo.Service.Configuration;

/// <summary>Checks the "Models" settings at start, naming the entry, the setting, the value and what it may be: a
/// mistake here otherwise surfaced as a model that fails to load with LibTorch's message, or as the wrong default.</summary>
public sealed class ModelCatalogOptionsValidation : IValidateOptions<ModelCatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelCatalogOptions options)
    {
        var failures = new List<string>();
        const string section = ModelOptions.SectionName;
        var models = options.Models;
        for (int i = 0; i < models.Count; i++)
        {
            var model = models[i];
            var entry = $"{section}:{i}";
            if (string.IsNullOrWhiteSpace(model.Name)) failures.Add($"{entry}:Name is empty; every model needs a name.");
            if (string.IsNullOrWhiteSpace(model.Path)) failures.Add($"{entry}:Path is empty; give the model's checkpoint folder.");
            if (!DeviceName.IsValid(model.Device)) failures.Add($"{entry}:Device is '{model.Device}'; it must be {DeviceName.Accepted}.");
            if (ModelDtype.TryParse(model.Dtype) is null) failures.Add($"{entry}:Dtype is '{model.Dtype}'; it must be float32, bfloat16 or float16.");
            if (model.Threads is < 1) failures.Add($"{entry}:Threads is {model.Threads}; where given, it must be at least 1.");
            int first = models.FindIndex(m => m.Name == model.Name);
            if (first < i && !string.IsNullOrWhiteSpace(model.Name))
                failures.Add($"{entry}:Name is '{model.Name}', as is {section}:{first}:Name; model names must be unique.");
        }
        var defaults = Enumerable.Range(0, models.Count).Where(i => models[i].Default).ToList();
        if (defaults.Count > 1)
        {
            // appsettings.json marks the embedded model Default: an operator who marks another one must unmark it.
            failures.Add($"{string.Join(" and ", defaults.Select(i => $"{section}:{i} ('{models[i].Name}')"))} are marked Default, and only one may be. " +
                         $"To make another model the default, set the embedded model's {section}:0:Default to false.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
