using System.Globalization;
using System.Text.RegularExpressions;

namespace Sdpo.Engine.Runtime;

/// <summary>The device names a model loads on: cpu, cuda or cuda:N, in any case. Checked where they are given (a
/// command line, the settings), since LibTorch's own refusal ("Requested value 'GPU' was not found.") names neither.</summary>
public static partial class DeviceName
{
    /// <summary>The accepted forms, for messages.</summary>
    public const string Accepted = "cpu, cuda or cuda:N (N the GPU's index, e.g. cuda:0)";

    public static bool IsValid(string? device) =>
        device is not null && Pattern().IsMatch(device.ToLower(CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(cpu|cuda(:\d+)?)$")]
    private static partial Regex Pattern();
}
