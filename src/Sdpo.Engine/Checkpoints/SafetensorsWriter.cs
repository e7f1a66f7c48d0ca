using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Sdpo.Engine.Checkpoints;

/// <summary>Writes tensors to a safetensors file (sorted by name, header padded with spaces to 8 bytes, as
/// the reference implementation does), written to a temporary file first so a crash leaves no half file.</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        var meta = new JsonObject();
        foreach (var (key, value) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" }) meta[key] = value;
        header["__metadata__"] = meta;
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            var bytes = tensor.NumberOfElements * SafetensorsDtype.ElementSize(tensor.dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = SafetensorsDtype.ToCode(tensor.dtype),
                ["shape"] = new JsonArray(tensor.shape.Select(size => (JsonNode?)JsonValue.Create(size)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        var padded = (headerBytes.Length + 7) / 8 * 8;
        var temporaryPath = path + ".tmp";
        using (var stream = new FileStream(temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            stream.Write(BitConverter.GetBytes((long)padded));
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var (_, tensor) in ordered)
            {
                if (tensor.NumberOfElements == 0) continue;
                using var scope = NewDisposeScope();
                var host = tensor.detach().to(CPU).contiguous();
                stream.Write(host.bytes);
            }
        }
        File.Move(temporaryPath, path, overwrite: true);
    }
}
