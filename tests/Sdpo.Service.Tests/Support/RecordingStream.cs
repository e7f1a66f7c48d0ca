using System.Text;

namespace Sdpo.Service.Tests.Support;

/// <summary>A read-only pass-through that keeps every byte read as text and counts the lines that begin with ':'
/// (server-sent event comments), reporting each one as soon as its first byte is read.</summary>
public sealed class RecordingStream(Stream inner, Action? onComment) : Stream
{
    private readonly MemoryStream _copy = new();
    private bool _atLineStart = true;

    public int Comments { get; private set; }
    public string Text => Encoding.UTF8.GetString(_copy.GetBuffer(), 0, (int)_copy.Length);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Record(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Record(buffer.AsSpan(offset, read));
        return read;
    }

    private void Record(ReadOnlySpan<byte> bytes)
    {
        _copy.Write(bytes);
        foreach (var b in bytes)
        {
            if (_atLineStart && b == (byte)':')
            {
                Comments++;
                onComment?.Invoke();
            }
            _atLineStart = b is (byte)'\n' or (byte)'\r';
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _copy.Dispose();
        base.Dispose(disposing);
    }
}
