namespace Sdpo.Service.Api;

/// <summary>Reads a request body for the readers that check requests: at most a size limit, and never empty.</summary>
public static class RequestBody
{
    /// <summary>The body's bytes; <paramref name="whatToSend"/> says in the error for an empty body what it should have held.</summary>
    public static async Task<byte[]> ReadAsync(Stream body, long? contentLength, int limit, string whatToSend, CancellationToken cancellationToken)
    {
        if (contentLength > limit) throw TooLong(limit);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) throw TooLong(limit);
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new RequestFieldException("body", $"The request body is empty; send {whatToSend}.");
        return buffer.ToArray();
    }

    public static RequestFieldException TooLong(int limit) => new("body", $"The request body is larger than the limit of {limit} bytes.");
}
