namespace Sdpo.Verifiers.Sandbox;

/// <summary>Keeps the last <c>capacity</c> bytes written to it and counts all of them.</summary>
internal sealed class TailBuffer(int capacity)
{
    private readonly byte[] _ring = new byte[Math.Max(capacity, 1)];
    private long _total;

    public long TotalBytes => Interlocked.Read(ref _total);

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_ring)
        {
            _total += data.Length;
            if (data.Length >= _ring.Length) data = data[^_ring.Length..];
            var start = (int)((_total - data.Length) % _ring.Length);
            var first = Math.Min(data.Length, _ring.Length - start);
            data[..first].CopyTo(_ring.AsSpan(start));
            data[first..].CopyTo(_ring);
        }
    }

    public string Text()
    {
        lock (_ring)
        {
            if (_total <= _ring.Length) return System.Text.Encoding.UTF8.GetString(_ring, 0, (int)_total);
            var start = (int)(_total % _ring.Length);
            var ordered = new byte[_ring.Length];
            _ring.AsSpan(start).CopyTo(ordered);
            _ring.AsSpan(0, start).CopyTo(ordered.AsSpan(_ring.Length - start));
            return System.Text.Encoding.UTF8.GetString(ordered);
        }
    }
}
