using System.Buffers;
using System.Text;

namespace Syndicate.Posts;

/// <summary>
/// A <see cref="TextWriter"/> into a char buffer rented from <see cref="ArrayPool{T}.Shared"/> and given back on
/// <see cref="Dispose(bool)"/>: rendering a post writes its HTML here and makes one string of it, where a StringWriter's
/// StringBuilder cost every post a buffer of twice its Markdown and the copies of its growth.
/// </summary>
internal sealed class PooledTextWriter(int capacity) : TextWriter
{
    private char[] _buffer = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 256));
    private int _length;

    public override Encoding Encoding => Encoding.Unicode;

    /// <summary>How many characters were written so far.</summary>
    public int Length => _length;

    public override void Write(char value)
    {
        Reserve(1)[0] = value;
        _length++;
    }

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        buffer.CopyTo(Reserve(buffer.Length));
        _length += buffer.Length;
    }

    public override void Write(string? value) => Write(value.AsSpan());

    /// <summary>The text written from <paramref name="start"/> on.</summary>
    public string ToString(int start) => new(_buffer, start, _length - start);

    /// <summary>Forgets what was written from <paramref name="length"/> on.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        _length = length;
    }

    public override string ToString() => new(_buffer, 0, _length);

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }

        base.Dispose(disposing);
    }

    private Span<char> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            var larger = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(_length);
    }
}
