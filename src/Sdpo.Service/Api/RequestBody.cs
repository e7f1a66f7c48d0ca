namespace Sdpo.Service.Api;

/// <summary>Reads a request body for the readers that check requests: at most a size limit, and never empty.</summary>
public static class RequestBody
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

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
        // A UTF-8 byte order mark (RFC 8259 lets a parser ignore it; Windows tools write it) is dropped: JsonDocument
        // skips it when reading a stream but not from bytes, as the readers parse the body.
        var bytes = buffer.ToArray();
        if (bytes.AsSpan().StartsWith(Utf8Bom)) bytes = bytes[Utf8Bom.Length..];
        if (bytes.Length == 0) throw new RequestFieldException("body", $"The request body is empty; send {whatToSend}.");
        return bytes;
    }

    public static RequestBodyTooLargeException TooLong(int limit, string setting) => new(limit, setting);
}

/// <summary>A request body over its configured limit; answered 413 naming the limit and its setting.</summary>
public sealed class RequestBodyTooLargeException(int limit, string setting)
    : Exception($"The request body is larger than the limit of {limit} bytes ({setting}).")
{
    public int Limit { get; } = limit;
}
