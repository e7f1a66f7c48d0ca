using System.Text.Json;

namespace Sdpo.Verifiers.Specs;

/// <summary>
/// Reads typed fields of one JSON object, naming the full path in every error, and rejects fields nobody
/// asked for (a misspelt optional field must not be silently ignored).
/// </summary>
internal sealed class SpecObjectReader
{
    private readonly JsonElement _element;
    private readonly string _path;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public SpecObjectReader(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new VerifierSpecException(path, $"must be a JSON object, got {Describe(element.ValueKind)}");
        _element = element;
        _path = path;
        // A field name that is not Unicode text makes every lookup by name throw (TryGetProperty unescapes the names it
        // passes), so it is refused before any.
        foreach (var property in element.EnumerateObject())
        {
            try
            {
                _ = property.Name;
            }
            catch (InvalidOperationException)
            {
                throw new VerifierSpecException(path, NotTextMessage("has a field name that is"));
            }
        }
    }

    public string FieldPath(string name) => $"{_path}.{name}";

    public string RequiredString(string name, int maxLength) =>
        OptionalString(name, maxLength) ?? throw Missing(name, "a string");

    public string? OptionalString(string name, int maxLength)
    {
        if (!TryGet(name, out var value)) return null;
        if (value.ValueKind != JsonValueKind.String) throw WrongType(name, "a string", value);
        var text = TextOf(name, value);
        if (text.Length > maxLength) throw new VerifierSpecException(FieldPath(name), $"is {text.Length} characters long; the limit is {maxLength}");
        return text;
    }

    public bool OptionalBool(string name, bool fallback)
    {
        if (!TryGet(name, out var value)) return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, "true or false", value),
        };
    }

    /// <summary>A number, also accepted as a numeric string ("3.5") since answers often arrive as text.</summary>
    public double RequiredNumberOrNumericText(string name) =>
        OptionalNumber(name, double.MinValue, double.MaxValue, acceptText: true) ?? throw Missing(name, "a number");

    /// <summary>A JSON number, never one in a string, as in every other request field.</summary>
    public double? OptionalNumber(string name, double min, double max) => OptionalNumber(name, min, max, acceptText: false);

    private double? OptionalNumber(string name, double min, double max, bool acceptText)
    {
        if (!TryGet(name, out var value)) return null;
        double number;
        if (value.ValueKind == JsonValueKind.Number) number = value.GetDouble();
        else if (acceptText && value.ValueKind == JsonValueKind.String && double.TryParse(TextOf(name, value), System.Globalization.NumberStyles.Float,
                     System.Globalization.CultureInfo.InvariantCulture, out var parsed)) number = parsed;
        else throw WrongType(name, "a number", value);
        if (!double.IsFinite(number)) throw new VerifierSpecException(FieldPath(name), "must be a finite number");
        if (number < min || number > max) throw new VerifierSpecException(FieldPath(name), $"is {number}; it must be between {min} and {max}");
        return number;
    }

    public int RequiredInt(string name, int min, int max) => OptionalInt(name, min, max) ?? throw Missing(name, "an integer");

    public int? OptionalInt(string name, int min, int max) => TryGet(name, out var value) ? Integer(value, FieldPath(name), min, max) : null;

    /// <summary>An integral JSON number (1000.0 and 1e3 are 1000) within [min, max]; one out of range, however large, is
    /// told the range rather than that it is not an integer.</summary>
    private static int Integer(JsonElement value, string path, int min, int max)
    {
        if (value.ValueKind != JsonValueKind.Number) throw new VerifierSpecException(path, $"must be an integer, got {Describe(value.ValueKind)}");
        if (value.TryGetInt32(out var number))
        {
            if (number < min || number > max) throw new VerifierSpecException(path, $"is {number}; it must be between {min} and {max}");
            return number;
        }
        var integral = !value.TryGetDouble(out var real) || !double.IsFinite(real) || real == Math.Floor(real);
        if (!integral) throw new VerifierSpecException(path, $"must be an integer, got {value.GetRawText()}");
        if (!double.IsFinite(real) || real < min || real > max)
            throw new VerifierSpecException(path, $"is {value.GetRawText()}; it must be between {min} and {max}");
        return (int)real;
    }

    public IReadOnlyList<int> RequiredIntArray(string name, int maxCount, int min, int max)
    {
        if (!TryGet(name, out var value)) throw Missing(name, "an array of integers");
        if (value.ValueKind != JsonValueKind.Array) throw WrongType(name, "an array of integers", value);
        var items = new List<int>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add(Integer(item, $"{FieldPath(name)}[{index++}]", min, max));
        }
        if (items.Count == 0) throw new VerifierSpecException(FieldPath(name), "must not be empty");
        if (items.Count > maxCount) throw new VerifierSpecException(FieldPath(name), $"has {items.Count} items; the limit is {maxCount}");
        return items;
    }

    /// <summary>Fails on the first property that no reader call asked for.</summary>
    public void RejectUnknownFields(string kind)
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!_known.Contains(property.Name))
                throw new VerifierSpecException(FieldPath(property.Name),
                    $"is not a field of verifier kind '{kind}' (fields: {string.Join(", ", _known.Order(StringComparer.Ordinal))})");
        }
    }

    private bool TryGet(string name, out JsonElement value)
    {
        _known.Add(name);
        if (_element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    /// <summary>The string's text; GetString() throws on a lone surrogate escape ("\ud800") or bytes that are not UTF-8,
    /// which the JSON reader lets through, so that is reported as the field's error.</summary>
    private string TextOf(string name, JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new VerifierSpecException(FieldPath(name), NotTextMessage("is"));
        }
    }

    private static string NotTextMessage(string subject) =>
        $"{subject} not valid Unicode text: it holds a lone UTF-16 surrogate escape (such as \\ud800) or bytes that are not UTF-8";

    private VerifierSpecException Missing(string name, string expected) =>
        new(FieldPath(name), $"is required ({expected})");

    private VerifierSpecException WrongType(string name, string expected, JsonElement value) =>
        new(FieldPath(name), $"must be {expected}, got {Describe(value.ValueKind)}");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
