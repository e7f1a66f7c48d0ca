using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli;

/// <summary>A --device that LibTorch can open: cpu, cuda or cuda:N. Checked while parsing, where a mistyped one
/// surfaced only once the model loaded, as an enum parse error.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed partial class DeviceNameAttribute() : ParameterValidationAttribute("--device must be cpu, cuda or cuda:N (N the GPU's index, e.g. cuda:0).")
{
    // Spectre prints the attribute's ErrorMessage, not the result's.
    public override ValidationResult Validate(CommandParameterContext context) =>
        context.Value is not string device || IsValid(device) ? ValidationResult.Success() : ValidationResult.Error();

    public static bool IsValid(string device) =>
        DevicePattern().IsMatch(device.ToLower(CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(cpu|cuda(:\d+)?)$")]
    private static partial Regex DevicePattern();
}
