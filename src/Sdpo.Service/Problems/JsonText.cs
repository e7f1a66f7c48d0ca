using System.Text.Json;

namespace Sdpo.Service.Problems;

/// <summary>A string or field name of a JSON request that is not Unicode text, and the 400 message naming it.</summary>
public sealed record InvalidJsonText(string Field, string Message);

/// <summary>
/// Finds text that System.Text.Json parses but cannot turn into a .NET string. Its reader accepts a lone UTF-16
/// surrogate escape ("\ud800") and bytes that are not UTF-8 inside a string or a field name; only reading the text
/// (GetString, a property's Name) throws, as InvalidOperationException, wherever that first happens. Checking a body
/// once, where it is parsed, turns that into a 400 naming the field and leaves every later reader safe.
/// </summary>
public static class JsonText
{
    /// <summary>The first string or field name under <paramref name="element"/> that is not Unicode text, named by its
    /// path under <paramref name="path"/> ("problem.prompt", "cases[0].answer"; a field name by its object's path, and
    /// the body's own as "body"); null when all are text.</summary>
    public static InvalidJsonText? FindInvalid(JsonElement element, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsText(element) ? null : new InvalidJsonText(FieldOf(path),
                    $"{FieldOf(path)} is not valid Unicode text: it holds a lone UTF-16 surrogate escape (such as \\ud800) or bytes that are not UTF-8.");
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    if (FindInvalid(item, $"{path}[{index++}]") is { } inItem) return inItem;
                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (NameOf(property) is not { } name)
                        return new InvalidJsonText(FieldOf(path),
                            $"{FieldOf(path)} has a field name that is not valid Unicode text: it holds a lone UTF-16 surrogate escape (such as \\ud800) or bytes that are not UTF-8.");
                    if (FindInvalid(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } inValue) return inValue;
                }
                return null;
            default:
                return null;
        }
    }

    private static string FieldOf(string path) => path.Length == 0 ? "body" : path;

    private static bool IsText(JsonElement value)
    {
        try
        {
            value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string? NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
