namespace Sdpo.Service.Api;

/// <summary>Reads a request body for the readers that check requests: at most a size limit, and never empty.</summary>
public static class RequestBody
{
    /// <summary>The body's bytes; <paramref name="whatToSend"/> says in the error for an empty body what it should have held, and
    /// <paramref name="limitSetting"/> in the error for one over <paramref name="limit"/> which setting holds the limit.</summary>
    public static async Task<byte[]> ReadAsync(Stream body, long? contentLength, int limit, string limitSetting, string whatToSend,
        CancellationToken cancellationToken)
    {
        if (contentLength > limit) throw TooLong(limit, limitSetting);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) throw TooLong(limit, limitSetting);
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new RequestFieldException("body", $"The request body is empty; send {whatToSend}.");
        return buffer.ToArray();
    }

    public static RequestBodyTooLargeException TooLong(int limit, string setting) => new(limit, setting);
}

/// <summary>A request body over its configured limit; answered 413 naming the limit and its setting.</summary>
public sealed class RequestBodyTooLargeException(int limit, string setting)
    : Exception($"The request body is larger than the limit of {limit} bytes ({setting}).")
{
    public int Limit { get; } = limit;
}
