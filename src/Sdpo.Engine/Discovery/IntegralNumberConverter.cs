using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// Integers in the wire form of the service's requests and of <c>sdpo_defaults.json</c>: any integral JSON number, as
/// JSON Schema's <c>integer</c> (and the OpenAPI document's) reads it, so that <c>64.0</c> and <c>6.4e1</c> are 64, as
/// a client that computed the value as a float writes it. A fraction, a number out of the type's range and a number in a
/// string (<c>"64"</c>) are each a <see cref="JsonException"/>, so the field's error names it. Written as plain integers.
/// </summary>
public sealed class IntegralNumberConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(int) || typeToConvert == typeof(long);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(int) ? new Int32Converter() : new Int64Converter();

    /// <summary>The integral value of the current number token within [min, max], or a <see cref="JsonException"/>.</summary>
    private static long Read(ref Utf8JsonReader reader, long min, long max)
    {
        if (reader.TokenType != JsonTokenType.Number) throw new JsonException("An integer must be a JSON number.");
        if (reader.TryGetInt64(out var integer) && integer >= min && integer <= max) return integer;
        // 2^63 is the first double above long's range, so the comparison with max is exact for doubles.
        if (reader.TryGetDouble(out var real) && double.IsFinite(real) && real == Math.Floor(real) && real >= min && real < -(double)long.MinValue
            && (long)real <= max)
            return (long)real;
        throw new JsonException("An integer must be an integral JSON number within its type's range.");
    }

    private sealed class Int32Converter : JsonConverter<int>
    {
        public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            (int)IntegralNumberConverter.Read(ref reader, int.MinValue, int.MaxValue);

        public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }

    private sealed class Int64Converter : JsonConverter<long>
    {
        public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IntegralNumberConverter.Read(ref reader, long.MinValue, long.MaxValue);

        public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }
}
