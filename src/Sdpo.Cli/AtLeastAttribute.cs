using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli;

/// <summary>A whole-number option that must be at least <c>minimum</c> when given, checked while the command line is
/// parsed so that nothing starts with it (LibTorch aborts the process on a thread count below one, for one).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AtLeastAttribute(int minimum, string option) : ParameterValidationAttribute($"{option} must be at least {minimum}.")
{
    // Spectre prints the attribute's ErrorMessage, not the result's, so the result carries no message of its own.
    public override ValidationResult Validate(CommandParameterContext context) => context.Value switch
    {
        int value when value < minimum => ValidationResult.Error(),
        long value when value < minimum => ValidationResult.Error(),
        _ => ValidationResult.Success(),
    };
}
