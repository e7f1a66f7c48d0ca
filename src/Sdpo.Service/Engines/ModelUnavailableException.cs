namespace Sdpo.Service.Engines;

/// <summary>A configured model that cannot take work now: it is still loading (<see cref="Loading"/>, worth a retry
/// shortly) or it failed to load (the message says why). Answered 503 naming <see cref="Model"/>.</summary>
public sealed class ModelUnavailableException(string model, string message, bool loading = false, Exception? inner = null)
    : Exception(message, inner)
{
    public string Model { get; } = model;

    public bool Loading { get; } = loading;
}
