namespace Sdpo.Service.Api;

/// <summary>A request that cannot be accepted because of one field; answered with 400 naming <see cref="Field"/>.</summary>
public sealed class RequestFieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
