using Sdpo.Engine.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli;

/// <summary>A --device that LibTorch can open: cpu, cuda or cuda:N. Checked while parsing, where a mistyped one
/// surfaced only once the model loaded, as an enum parse error.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DeviceNameAttribute() : ParameterValidationAttribute($"--device must be {DeviceName.Accepted}.")
{
    // Spectre prints the attribute's ErrorMessage, not the result's.
    public override ValidationResult Validate(CommandParameterContext context) =>
        context.Value is not string device || DeviceName.IsValid(device) ? ValidationResult.Success() : ValidationResult.Error();
}
