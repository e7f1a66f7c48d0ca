using System.Text.Json;
using static TorchSharp.torch;

namespace Sdpo.Engine.Checkpoints;

/// <summary>
/// Reads a safetensors file: an 8-byte little-endian header length, a JSON header mapping tensor names to
/// {dtype, shape, data_offsets}, then the raw little-endian tensor bytes. Opening validates the whole header
/// against the file size, so a truncated or corrupt file is a <see cref="CheckpointException"/> naming the
/// file (and tensor), never a native crash.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100_000_000;
    private readonly FileStream _stream;
    private readonly long _dataStart;

    private SafetensorsFile(string path, FileStream stream, long dataStart,
        IReadOnlyDictionary<string, SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _stream = stream;
        _dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>The tensors in the file by name, in header order.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    /// <summary>The optional string-to-string <c>__metadata__</c> record.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"Safetensors file '{path}' does not exist.");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"Safetensors file '{path}' cannot be opened: {e.Message}", e);
        }
        try
        {
            var (dataStart, entries, metadata) = ReadHeader(path, stream);
            return new SafetensorsFile(path, stream, dataStart, entries, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor into a new CPU tensor of its stored dtype.</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry))
            throw new CheckpointException($"Tensor '{name}' is not in '{Path}'.");
        var result = empty(entry.Shape, entry.Dtype, CPU);
        if (entry.ElementCount == 0) return result;
        try
        {
            _stream.Seek(_dataStart + entry.Begin, SeekOrigin.Begin);
            _stream.ReadExactly(result.bytes);
            return result;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            result.Dispose();
            throw new CheckpointException($"Tensor '{name}' cannot be read from '{Path}': {e.Message}", e);
        }
    }

    private static (long DataStart, Dictionary<string, SafetensorsEntry> Entries, Dictionary<string, string> Metadata)
        ReadHeader(string path, FileStream stream)
    {
        var fileLength = stream.Length;
        if (fileLength < 8) throw Corrupt(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BitConverter.ToInt64(lengthBytes);
        if (!BitConverter.IsLittleEndian) headerLength = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(headerLength);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > fileLength)
            throw Corrupt(path, $"its header length {headerLength} does not fit the file size {fileLength}");

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"Safetensors file '{path}' has a header that is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt(path, "its header is not a JSON object");
            var dataLength = fileLength - 8 - headerLength;
            var entries = new Dictionary<string, SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                        foreach (var item in property.Value.EnumerateObject())
                            metadata[item.Name] = item.Value.ToString();
                    continue;
                }
                entries[property.Name] = ParseEntry(path, property.Name, property.Value, dataLength);
            }
            return (8 + headerLength, entries, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement record, long dataLength)
    {
        try
        {
            var code = record.GetProperty("dtype").GetString() ?? "";
            var dtype = SafetensorsDtype.ToScalarType(code)
                ?? throw new CheckpointException($"Tensor '{name}' in '{path}' has unsupported dtype '{code}'.");
            var shape = record.GetProperty("shape").EnumerateArray().Select(size => size.GetInt64()).ToArray();
            var offsets = record.GetProperty("data_offsets").EnumerateArray().Select(offset => offset.GetInt64()).ToArray();
            if (offsets.Length != 2 || shape.Any(size => size < 0))
                throw Corrupt(path, $"tensor '{name}' has a malformed shape or data_offsets");
            var entry = new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
            var expectedBytes = entry.ElementCount * SafetensorsDtype.ElementSize(dtype);
            if (entry.Begin < 0 || entry.End - entry.Begin != expectedBytes)
                throw Corrupt(path, $"tensor '{name}' ({code} {entry.ShapeText}) should span {expectedBytes} bytes but its data_offsets are [{entry.Begin}, {entry.End}]");
            if (entry.End > dataLength)
                throw Corrupt(path, $"tensor '{name}' ends at byte {entry.End} of the data but the file holds only {dataLength} (truncated?)");
            return entry;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw Corrupt(path, $"tensor '{name}' has a malformed header record ({e.Message})");
        }
    }

    private static CheckpointException Corrupt(string path, string why) =>
        new($"Safetensors file '{path}' is truncated or corrupt: {why}.");

    public void Dispose() => _stream.Dispose();
}
