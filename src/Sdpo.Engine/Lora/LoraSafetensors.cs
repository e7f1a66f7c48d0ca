using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Lora;

/// <summary>
/// The safetensors container as the Python library writes it: an 8-byte little-endian header length, a JSON
/// header (tensors sorted by name, "__metadata__" first, padded with spaces to a multiple of 8 bytes), then the
/// raw little-endian tensor bytes. Kept private to adapters and small: floating-point tensors only, every
/// offset checked so a corrupt file is an <see cref="AdapterException"/> naming the tensor, never a crash.
/// (TorchSharp.PyBridge's reader checks no offsets and its writer writes neither metadata nor padding.)
/// </summary>
internal static class LoraSafetensors
{
    private const int MaxHeaderBytes = 100 * 1024 * 1024;

    public sealed record Entry(string Name, ScalarType DType, long[] Shape, int Offset, int Length);

    public static byte[] Write(IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var ordered = tensors.OrderBy(entry => entry.Name, StringComparer.Ordinal).ToList();
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, tensor) in ordered)
            {
                var length = tensor.NumberOfElements * tensor.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", DTypeName(tensor.dtype, name));
                json.WriteStartArray("shape");
                foreach (var size in tensor.shape) json.WriteNumberValue(size);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        using var file = new MemoryStream();
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
        file.Write(lengthBytes);
        header.Position = 0;
        header.CopyTo(file);
        foreach (var (_, tensor) in ordered)
        {
            using var host = tensor.detach().cpu().contiguous();
            file.Write(host.bytes);
        }
        return file.ToArray();
    }

    public static IReadOnlyList<Entry> Read(byte[] file, string fileName)
    {
        if (file.Length < 8) throw Corrupt(fileName, $"it has {file.Length} bytes, fewer than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderBytes || (long)headerLength > file.Length - 8)
            throw Corrupt(fileName, $"its header length {headerLength} does not fit the {file.Length}-byte file");
        var dataStart = 8 + (int)headerLength;
        var dataLength = file.Length - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        }
        catch (JsonException e)
        {
            throw Corrupt(fileName, "its header is not valid JSON", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt(fileName, "its header is not a JSON object");
            var entries = new List<Entry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__") continue;
                if (!names.Add(property.Name)) throw Corrupt(fileName, $"tensor '{property.Name}' appears twice in its header");
                entries.Add(ReadEntry(property, dataStart, dataLength, fileName));
            }
            return entries;
        }
    }

    /// <summary>A CPU tensor holding a copy of the entry's bytes, in the file's dtype.</summary>
    public static Tensor ToTensor(byte[] file, Entry entry)
    {
        var tensor = empty(entry.Shape, entry.DType);
        if (entry.Length > 0) tensor.bytes = file.AsSpan(entry.Offset, entry.Length);
        return tensor;
    }

    private static Entry ReadEntry(JsonProperty property, int dataStart, int dataLength, string fileName)
    {
        var name = property.Name;
        try
        {
            var value = property.Value;
            var dtypeName = value.GetProperty("dtype").GetString();
            var dtype = dtypeName switch
            {
                "F32" => ScalarType.Float32,
                "F16" => ScalarType.Float16,
                "BF16" => ScalarType.BFloat16,
                "F64" => ScalarType.Float64,
                _ => throw Corrupt(fileName, $"tensor '{name}' has dtype {dtypeName}; a LoRA weight must be F32, F16, BF16 or F64"),
            };
            var shape = value.GetProperty("shape").EnumerateArray().Select(size => size.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(offset => offset.GetInt64()).ToArray();
            if (shape.Any(size => size < 0)) throw Corrupt(fileName, $"tensor '{name}' has a negative size in shape [{string.Join(", ", shape)}]");
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw Corrupt(fileName, $"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}] outside the {dataLength} data bytes");
            var elementSize = dtype switch { ScalarType.Float64 => 8, ScalarType.Float32 => 4, _ => 2 };
            var expected = shape.Aggregate(1L, (product, size) => product * size) * elementSize;
            if (offsets[1] - offsets[0] != expected)
                throw Corrupt(fileName, $"tensor '{name}' spans {offsets[1] - offsets[0]} bytes but {dtypeName} [{string.Join(", ", shape)}] needs {expected}");
            return new Entry(name, dtype, shape, dataStart + (int)offsets[0], (int)expected);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Corrupt(fileName, $"tensor '{name}' lacks a well-formed dtype, shape or data_offsets", e);
        }
    }

    private static string DTypeName(ScalarType dtype, string name) => dtype switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        _ => throw new AdapterException($"Tensor '{name}' has dtype {dtype}, which an adapter file does not hold."),
    };

    private static AdapterException Corrupt(string fileName, string problem, Exception? inner = null) =>
        new($"{fileName} is not a valid safetensors file: {problem}.", inner);
}
