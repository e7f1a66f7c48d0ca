using System.Text.Json;

namespace Sdpo.Engine.Tokenization;

/// <summary>Reads the small JSON files of a checkpoint folder; every failure names the file and field.</summary>
internal static class CheckpointJson
{
    /// <summary>The root object of <paramref name="path"/>, or null where the file does not exist.</summary>
    public static JsonElement? ReadObjectIfPresent(string path) =>
        File.Exists(path) ? ReadObject(path) : null;

    public static JsonElement ReadObject(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException($"{path}: expected a JSON object at the top level, found {document.RootElement.ValueKind}.");
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path} is not valid JSON: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CheckpointException($"{path} cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CheckpointException($"{path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The property, or null where it is absent or JSON null.</summary>
    public static JsonElement? Optional(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static JsonElement Required(this JsonElement element, string name, string path, string where) =>
        element.Optional(name) ?? throw new CheckpointException($"{path}: {where}\"{name}\" is missing.");

    public static string? OptionalString(this JsonElement element, string name, string path) =>
        element.Optional(name) is { } value
            ? value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw new CheckpointException($"{path}: \"{name}\" should be a string, found {value.ValueKind}.")
            : null;

    public static bool OptionalBool(this JsonElement element, string name, string path, bool fallback) =>
        element.Optional(name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new CheckpointException($"{path}: \"{name}\" should be true or false, found {value.ValueKind}."),
            }
            : fallback;

    /// <summary>A token id field that may hold one id or a list of ids (<c>eos_token_id</c> does both).</summary>
    public static IReadOnlyList<int> OptionalIds(this JsonElement element, string name, string path)
    {
        if (element.Optional(name) is not { } value) return [];
        if (value.ValueKind == JsonValueKind.Number) return [ReadId(value, name, path)];
        if (value.ValueKind == JsonValueKind.Array) return value.EnumerateArray().Select(v => ReadId(v, name, path)).ToArray();
        throw new CheckpointException($"{path}: \"{name}\" should be a token id or a list of token ids, found {value.ValueKind}.");
    }

    private static int ReadId(JsonElement value, string name, string path) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var id) && id >= 0
            ? id
            : throw new CheckpointException($"{path}: \"{name}\" holds {value.GetRawText()}, which is not a token id.");
}
