using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// Enums in the wire form of the service's requests and of <c>sdpo_defaults.json</c>: each value is its kebab-case name
/// ("best-of-k", "reverse-kl", "trust-region"), written so and read back only exactly so. JsonStringEnumConverter, with
/// the same naming policy, writes the same names but also reads the C# name in any case ("BestOfK", "bestofk",
/// "SelfTeacher"), lists of names ("sdpo, best-of-k") and numbers in strings; here any other text, and any number, is a
/// <see cref="JsonException"/>, so that a mistyped value is an error naming the field rather than a guess.
/// </summary>
public sealed class KebabCaseEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    /// <summary>The wire names of <paramref name="enumType"/>'s values, in declaration order: a value's
    /// [JsonStringEnumMemberName] where it has one, else its C# name in kebab case.</summary>
    private static IReadOnlyList<string> Names(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.KebabCaseLower.ConvertName(field.Name))
            .ToList();

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly Dictionary<T, string> NameOf = BuildNames();
        private static readonly Dictionary<string, T> ValueOf = NameOf.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        private static Dictionary<T, string> BuildNames()
        {
            var names = new Dictionary<T, string>();
            foreach (var (field, name) in typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static).Zip(Names(typeof(T))))
                names.TryAdd((T)field.GetValue(null)!, name); // an alias of a value keeps the first name
            return names;
        }

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String) throw NotAName();
            return FromName(reader.GetString()!);
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(ToName(value));

        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => FromName(reader.GetString()!);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(ToName(value));

        private static T FromName(string text) => ValueOf.TryGetValue(text, out var value) ? value : throw NotAName();

        private static string ToName(T value) =>
            NameOf.TryGetValue(value, out var name) ? name : throw new JsonException($"{typeof(T).Name} has no value {value}.");

        private static JsonException NotAName() => new($"The value must be one of {string.Join(", ", NameOf.Values)}.");
    }
}
