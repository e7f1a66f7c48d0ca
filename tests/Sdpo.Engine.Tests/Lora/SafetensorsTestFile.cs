using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Sdpo.Engine.Tests.Lora;

/// <summary>An independent reading and writing of the safetensors layout, so tests can check what the engine
/// writes and hand it files written another way (other order, no padding, other dtypes, damage).</summary>
internal static class SafetensorsTestFile
{
    public sealed record Tensor(string Name, string DType, long[] Shape, byte[] Bytes);

    public static (ulong HeaderLength, JsonObject Header, byte[] Data) Parse(byte[] file)
    {
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLength))!.AsObject();
        return (headerLength, header, file[(8 + (int)headerLength)..]);
    }

    public static List<Tensor> Tensors(byte[] file)
    {
        var (_, header, data) = Parse(file);
        return header.Where(entry => entry.Key != "__metadata__").Select(entry =>
        {
            var offsets = entry.Value!["data_offsets"]!.AsArray().Select(o => (int)o!).ToArray();
            return new Tensor(entry.Key, (string)entry.Value["dtype"]!, entry.Value["shape"]!.AsArray().Select(s => (long)s!).ToArray(),
                data[offsets[0]..offsets[1]]);
        }).ToList();
    }

    /// <summary>Tensors in the given order, no metadata, no header padding: still a valid file.</summary>
    public static byte[] Build(IEnumerable<Tensor> tensors)
    {
        var header = new JsonObject();
        var data = new MemoryStream();
        foreach (var tensor in tensors)
        {
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType,
                ["shape"] = new JsonArray(tensor.Shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + tensor.Bytes.Length),
            };
            data.Write(tensor.Bytes);
        }
        return Assemble(Encoding.UTF8.GetBytes(header.ToJsonString()), data.ToArray());
    }

    public static byte[] Assemble(byte[] headerJson, byte[] data)
    {
        var file = new byte[8 + headerJson.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerJson.Length);
        headerJson.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerJson.Length);
        return file;
    }
}
