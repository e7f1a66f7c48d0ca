using Sdpo.Verifiers.Arithmetic;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sdpo.Verifiers.Text;

namespace Sdpo.Verifiers.Specs;

/// <summary>
/// Validates a verifier spec on arrival. Every error is a <see cref="VerifierSpecException"/> whose
/// <see cref="VerifierSpecException.Field"/> is the JSON path of the field at fault ("verifier.pattern").
/// </summary>
public static class VerifierSpecParser
{
    public const string DefaultPath = "verifier";
    public const int MaxCodeLength = 256 * 1024;
    public const int MaxAnswerLength = 64 * 1024;
    public const int MaxPatternLength = 4096;
    public const double MaxTimeoutSeconds = 300;
    public const double MinTimeoutSeconds = 0.1;
    public const int MinMemoryMb = 32;
    public const int MaxMemoryMb = 65536;
    public const int MaxEntryPointLength = 200;
    public const int MaxAnswerTypeLength = 256;
    public const int MaxUrlLength = 2048;

    public static IReadOnlyList<string> Kinds { get; } =
    [
        ExactSpec.KindName, RegexSpec.KindName, NumericSpec.KindName, ArithmeticSpec.KindName,
        PythonSpec.KindName, P3Spec.KindName, HttpSpec.KindName,
    ];

    public static VerifierSpec Parse(string json, string path = DefaultPath)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement, path);
        }
        catch (JsonException error)
        {
            throw new VerifierSpecException(path, $"is not valid JSON: {error.Message}");
        }
    }

    public static VerifierSpec Parse(JsonElement element, string path = DefaultPath)
    {
        var reader = new SpecObjectReader(element, path);
        var kind = reader.RequiredString("kind", 64);
        VerifierSpec spec = kind switch
        {
            ExactSpec.KindName => new ExactSpec(
                reader.RequiredString("answer", MaxAnswerLength),
                reader.OptionalBool("trim", true),
                reader.OptionalBool("caseInsensitive", false),
                reader.OptionalBool("foldWhitespace", false)),
            RegexSpec.KindName => ParseRegex(reader),
            NumericSpec.KindName => new NumericSpec(
                reader.RequiredNumberOrNumericText("answer"),
                reader.OptionalNumber("absoluteTolerance", 0, double.MaxValue) ?? 1e-9,
                reader.OptionalNumber("relativeTolerance", 0, 1) ?? 0),
            ArithmeticSpec.KindName => ParseArithmetic(reader),
            PythonSpec.KindName => ParsePython(reader),
            P3Spec.KindName => new P3Spec(
                reader.RequiredString("sat", MaxCodeLength),
                reader.OptionalString("answerType", MaxAnswerTypeLength),
                reader.OptionalNumber("timeoutSeconds", MinTimeoutSeconds, MaxTimeoutSeconds)),
            HttpSpec.KindName => ParseHttp(reader),
            _ => throw new VerifierSpecException(reader.FieldPath("kind"),
                $"unknown verifier kind '{kind}'; expected one of {string.Join(", ", Kinds)}"),
        };
        reader.RejectUnknownFields(kind);
        return spec;
    }

    /// <summary>The puzzle's own rules (3–6 numbers, their ranges) apply, so a spec that parses also builds.</summary>
    private static ArithmeticSpec ParseArithmetic(SpecObjectReader reader)
    {
        var spec = new ArithmeticSpec(
            reader.RequiredIntArray("numbers", ArithmeticPuzzle.MaxNumberCount, ArithmeticPuzzle.MinNumber, ArithmeticPuzzle.MaxNumber),
            reader.RequiredInt("target", -ArithmeticPuzzle.MaxAbsoluteTarget, ArithmeticPuzzle.MaxAbsoluteTarget));
        try
        {
            ArithmeticPuzzle.Validate(spec.Numbers, spec.Target);
        }
        catch (InvalidArithmeticPuzzleException e)
        {
            throw new VerifierSpecException(reader.FieldPath(e.Field), e.Problem);
        }
        return spec;
    }

    private static RegexSpec ParseRegex(SpecObjectReader reader)
    {
        var spec = new RegexSpec(
            reader.RequiredString("pattern", MaxPatternLength),
            reader.OptionalBool("ignoreCase", false),
            reader.OptionalBool("fullMatch", true));
        try
        {
            SafeRegex.Create(spec.Pattern, spec.IgnoreCase, spec.FullMatch);
        }
        catch (ArgumentException error)
        {
            throw new VerifierSpecException(reader.FieldPath("pattern"), $"is not a valid regular expression: {error.Message}");
        }
        return spec;
    }

    private static PythonSpec ParsePython(SpecObjectReader reader)
    {
        var spec = new PythonSpec(
            reader.RequiredString("tests", MaxCodeLength),
            reader.OptionalString("entryPoint", MaxEntryPointLength),
            reader.OptionalString("prefix", MaxCodeLength),
            reader.OptionalNumber("timeoutSeconds", MinTimeoutSeconds, MaxTimeoutSeconds),
            reader.OptionalInt("memoryMb", MinMemoryMb, MaxMemoryMb));
        if (spec.EntryPoint is { } entryPoint && !IsPythonIdentifier(entryPoint))
            throw new VerifierSpecException(reader.FieldPath("entryPoint"), $"'{entryPoint}' is not a Python identifier (letters, digits and _, not a keyword)");
        if (string.IsNullOrWhiteSpace(spec.Tests))
            throw new VerifierSpecException(reader.FieldPath("tests"), "must not be empty");
        return spec;
    }

    private static HttpSpec ParseHttp(SpecObjectReader reader)
    {
        var text = reader.RequiredString("url", MaxUrlLength);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new VerifierSpecException(reader.FieldPath("url"), $"'{text}' is not an absolute http or https URL");
        if (!string.IsNullOrEmpty(url.UserInfo))
            throw new VerifierSpecException(reader.FieldPath("url"), "must not carry user credentials");
        return new HttpSpec(url, reader.OptionalNumber("timeoutSeconds", MinTimeoutSeconds, MaxTimeoutSeconds));
    }

    /// <summary>Python's keyword.kwlist: a function can never be named one. Soft keywords (match, case, type, _) can.</summary>
    private static readonly HashSet<string> PythonKeywords = new(StringComparer.Ordinal)
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
        "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield",
    };

    private static bool IsPythonIdentifier(string name) =>
        Regex.IsMatch(name, @"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.None, TimeSpan.FromSeconds(1)) && !PythonKeywords.Contains(name);
}
