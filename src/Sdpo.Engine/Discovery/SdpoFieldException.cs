using System.Text.Json;

namespace Sdpo.Engine.Discovery;

/// <summary>A field of SDPO options in the wire form that is not an option, or not of the option's type or values:
/// <see cref="Field"/> names it as the options wrote it ("sdpo.teacher"), and the message says what the option takes
/// ("sdpo.teacher must be one of ema, frozen, trust-region; got \"emma\".").</summary>
public sealed class SdpoFieldException(string field, string message) : JsonException(message)
{
    /// <summary>"sdpo." and the field's name as given; "sdpo" when the options are not a JSON object.</summary>
    public string Field { get; } = field;
}
