using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sdpo.Engine.Discovery;

/// <summary>How an error about a field of a request in the wire form says what the field takes and what it was given:
/// "sdpo.teacher must be one of ema, frozen, trust-region; got \"emma\".", "budget.maxAttempts must be an integer; got \"64\".".</summary>
public static class WireFields
{
    /// <summary>"{field} must be {what it takes}; got {the value as given}."</summary>
    public static string MustBe(string field, Type type, JsonElement value, JsonSerializerOptions options) =>
        $"{field} must be {Expected(type, options)}; got {Shown(value)}.";

    /// <summary>What a field of type <paramref name="type"/> takes in the wire form of <paramref name="options"/>: "a
    /// number", "an integer or null", "one of ema, frozen, trust-region", "an array of strings or null", "an object or null".</summary>
    public static string Expected(Type type, JsonSerializerOptions options)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var what = Described(underlying ?? type, plural: false, options);
        return underlying is not null || !type.IsValueType ? $"{what} or null" : what;
    }

    private static string Described(Type type, bool plural, JsonSerializerOptions options)
    {
        if (type.IsEnum)
        {
            var names = string.Join(", ", WireNames(type, options));
            return plural ? $"strings (each one of {names})" : $"one of {names}";
        }
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return plural ? "numbers" : "a number";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return plural ? "integers" : "an integer";
        if (type == typeof(bool)) return plural ? "booleans" : "a boolean (true or false)";
        if (type == typeof(string)) return plural ? "strings" : "a string";
        var element = type.IsArray ? type.GetElementType()
            : type.IsGenericType && type.GetGenericArguments() is [var only] && typeof(IEnumerable<>).MakeGenericType(only).IsAssignableFrom(type) ? only
            : null;
        if (element is not null) return plural ? "arrays" : $"an array of {Described(element, plural: true, options)}";
        if (options.GetTypeInfo(type).Kind is JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary) return plural ? "objects" : "an object";
        return plural ? "values" : "a value";
    }

    /// <summary>An enum's values as the wire writes them ("trust-region"), in the order of their values.</summary>
    public static IEnumerable<string> WireNames(Type enumType, JsonSerializerOptions options) =>
        Enum.GetValues(enumType).Cast<object>().Select(value => JsonSerializer.SerializeToElement(value, enumType, options).GetString()!);

    /// <summary>A value as given, in JSON, cut short when long.</summary>
    public static string Shown(JsonElement value)
    {
        const int limit = 60;
        var text = value.GetRawText();
        return text.Length <= limit ? text : text[..limit] + "…";
    }
}
