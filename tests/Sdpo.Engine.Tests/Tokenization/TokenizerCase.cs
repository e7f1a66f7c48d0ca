using System.Text.Json;

namespace Sdpo.Engine.Tests.Tokenization;

/// <summary>A text and the ids a reference tokenizer gives it.</summary>
public sealed record TokenizerCase(string Text, int[] Ids)
{
    public static TokenizerCase FromJson(JsonElement element) =>
        new(element.GetProperty("text").GetString()!, element.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray());

    public static JsonElement ReadJson(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }
}
