using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic.Expressions;
using Sdpo.Verifiers.Arithmetic.Solving;

namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// The structured spec of one arithmetic target puzzle, <c>{"kind": "arithmetic", "numbers": [3, 5, 7],
/// "target": 22}</c>: 3 to 6 numbers from 1 to 1000 (repeats allowed) and a target within ±1,000,000.
/// It renders the prompt the model sees and creates the verifier, so callers never handle the prompt format.
/// <para>
/// The prompt is fixed, compact plain text for a small character-level model, with no instructions (the
/// format is learned in pretraining, see <see cref="RenderTrainingExample()"/>):
/// <code>
/// Numbers: 3 5 7
/// Target: 22
/// Expression: 
/// </code>
/// ("Expression: " ends with a space). The model continues with one expression and a newline
/// (<see cref="EndMarker"/>), e.g. "3*5+7\n".
/// </para>
/// </summary>
[JsonConverter(typeof(ArithmeticPuzzleJsonConverter))]
public sealed class ArithmeticPuzzle
{
    public const string KindName = "arithmetic";
    public const int MinNumberCount = 3;
    public const int MaxNumberCount = 6;
    public const int MinNumber = 1;
    public const int MaxNumber = 1000;
    public const int MaxAbsoluteTarget = 1_000_000;

    /// <summary>Ends an answer in the prompt format and in training examples; the verifier reads only the first line.</summary>
    public const string EndMarker = "\n";

    private ArithmeticSolution? _solution;

    /// <summary>Throws <see cref="InvalidArithmeticPuzzleException"/> naming the field that breaks a rule.</summary>
    public ArithmeticPuzzle(IReadOnlyList<int> numbers, int target)
    {
        Validate(numbers, target);
        Numbers = numbers.ToArray();
        Target = target;
    }

    public string Kind => KindName;
    public IReadOnlyList<int> Numbers { get; }
    public int Target { get; }

    public static void Validate(IReadOnlyList<int>? numbers, int target)
    {
        if (numbers is null) throw new InvalidArithmeticPuzzleException("numbers", "missing");
        if (numbers.Count is < MinNumberCount or > MaxNumberCount)
            throw new InvalidArithmeticPuzzleException("numbers", $"expected {MinNumberCount} to {MaxNumberCount} numbers, got {numbers.Count}");
        for (var i = 0; i < numbers.Count; i++)
        {
            if (numbers[i] is < MinNumber or > MaxNumber)
                throw new InvalidArithmeticPuzzleException($"numbers[{i}]", $"expected a number from {MinNumber} to {MaxNumber}, got {numbers[i]}");
        }
        if (target is < -MaxAbsoluteTarget or > MaxAbsoluteTarget)
            throw new InvalidArithmeticPuzzleException("target", $"expected a number from {-MaxAbsoluteTarget} to {MaxAbsoluteTarget}, got {target}");
    }

    /// <summary>Parses and validates a spec; every failure is an <see cref="InvalidArithmeticPuzzleException"/>.</summary>
    public static ArithmeticPuzzle FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return FromJson(document.RootElement);
        }
        catch (JsonException malformed)
        {
            throw new InvalidArithmeticPuzzleException("spec", $"not valid JSON ({malformed.Message})", malformed);
        }
    }

    /// <summary>
    /// Reads a spec object. "kind" may be left out, but if present must be "arithmetic"; "numbers" and
    /// "target" are required; any other field is rejected, so a misspelt field is not silently ignored.
    /// </summary>
    public static ArithmeticPuzzle FromJson(JsonElement spec)
    {
        if (spec.ValueKind != JsonValueKind.Object)
            throw new InvalidArithmeticPuzzleException("spec", $"expected a JSON object, got {Describe(spec)}");
        int[]? numbers = null;
        int? target = null;
        foreach (var property in spec.EnumerateObject())
        {
            switch (property.Name)
            {
                case "kind":
                    if (property.Value.ValueKind != JsonValueKind.String || property.Value.GetString() != KindName)
                        throw new InvalidArithmeticPuzzleException("kind", $"expected \"{KindName}\", got {Describe(property.Value)}");
                    break;
                case "numbers":
                    numbers = ReadNumbers(property.Value);
                    break;
                case "target":
                    target = ReadInteger(property.Value, "target");
                    break;
                default:
                    throw new InvalidArithmeticPuzzleException(property.Name, "unknown field (expected kind, numbers, target)");
            }
        }
        if (numbers is null) throw new InvalidArithmeticPuzzleException("numbers", "missing");
        if (target is null) throw new InvalidArithmeticPuzzleException("target", "missing");
        return new ArithmeticPuzzle(numbers, target.Value);
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) WriteJson(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", KindName);
        writer.WriteStartArray("numbers");
        foreach (var number in Numbers) writer.WriteNumberValue(number);
        writer.WriteEndArray();
        writer.WriteNumber("target", Target);
        writer.WriteEndObject();
    }

    /// <summary>"Numbers: 3 5 7\nTarget: 22\nExpression: ", numbers in the given order.</summary>
    public string RenderPrompt() =>
        $"Numbers: {string.Join(' ', Numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)))}\n" +
        $"Target: {Target.ToString(CultureInfo.InvariantCulture)}\nExpression: ";

    public Problem ToProblem(string? id = null) => new(RenderPrompt(), id);

    public ArithmeticVerifier CreateVerifier() => new(Numbers, Target);

    /// <summary>The solver's result for this puzzle, computed once (milliseconds for 3-5 numbers, up to about a second for 6).</summary>
    public ArithmeticSolution Solve() => _solution ??= ArithmeticSolver.Solve(Numbers, Target);

    /// <summary>Prompt, the canonical solution and <see cref="EndMarker"/>; throws if the puzzle has no solution.</summary>
    public string RenderTrainingExample() =>
        RenderTrainingExample(Solve().CanonicalSolution
            ?? throw new InvalidOperationException($"The puzzle {ToJson()} has no solution to render."));

    /// <summary>Prompt, <paramref name="expression"/> and <see cref="EndMarker"/>; throws if the expression does not pass.</summary>
    public string RenderTrainingExample(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Contains('\n') || expression.Contains('\r'))
            throw new ArgumentException("expression: must be a single line.", nameof(expression));
        var verdict = CreateVerifier().Check(expression);
        if (!verdict.Passed)
            throw new ArgumentException($"expression: \"{expression}\" does not solve {ToJson()}: {verdict.Feedback}", nameof(expression));
        return RenderPrompt() + expression + EndMarker;
    }

    /// <summary>
    /// The distinct solution nearest to an attempt by <see cref="ExpressionDistance"/> (ties: the earlier in
    /// the solver's order). An attempt that parses is compared in canonical form, so reordering alone costs
    /// nothing. Null when the puzzle has no solution.
    /// </summary>
    public string? NearestSolution(string attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var comparable = ArithmeticAnswer.TryExtract(attempt, out var answer, out _) && answer.TryParse(out var expression, out _)
            ? CanonicalExpression.Of(expression)
            : attempt;
        return ExpressionDistance.Nearest(comparable, Solve().DistinctSolutions);
    }

    public override string ToString() => ToJson();

    private static int[] ReadNumbers(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw new InvalidArithmeticPuzzleException("numbers", $"expected an array of integers, got {Describe(value)}");
        var count = value.GetArrayLength();
        if (count is < MinNumberCount or > MaxNumberCount)
            throw new InvalidArithmeticPuzzleException("numbers", $"expected {MinNumberCount} to {MaxNumberCount} numbers, got {count}");
        var numbers = new int[count];
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            numbers[index] = ReadInteger(item, $"numbers[{index}]");
            index++;
        }
        return numbers;
    }

    /// <summary>An integral JSON number (7.0 is 7), as the verifier specs and the request fields read integers.</summary>
    private static int ReadInteger(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out var integer)) return integer;
            if (value.TryGetDouble(out var real) && real == Math.Floor(real) && real >= int.MinValue && real <= int.MaxValue) return (int)real;
        }
        throw new InvalidArithmeticPuzzleException(field, $"expected an integer, got {Describe(value)}");
    }

    private static string Describe(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..37] + "...";
    }
}

/// <summary>Lets System.Text.Json read and write <see cref="ArithmeticPuzzle"/> with the same validation.</summary>
public sealed class ArithmeticPuzzleJsonConverter : JsonConverter<ArithmeticPuzzle>
{
    public override ArithmeticPuzzle Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return ArithmeticPuzzle.FromJson(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, ArithmeticPuzzle value, JsonSerializerOptions options) => value.WriteJson(writer);
}
