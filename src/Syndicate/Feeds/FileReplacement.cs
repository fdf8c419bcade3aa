using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Syndicate.Feeds;

/// <summary>
/// A write-only stream that replaces a file only when the bytes written differ from it. While they
/// match, it only reads the current file and compares; at the first difference it opens a temporary
/// file beside the target, copies the matching part into it and writes on there, hashing what goes
/// into it. <see cref="Commit"/> then renames the temporary file over the target, so a reader sees
/// the old file or the new one, never a part. An unchanged feed costs one read of its file: no
/// temporary file, no hash, and its modification time stays put. The hash (for the ETag a log line
/// shows) is made only when asked for.
/// </summary>
internal sealed class FileReplacement : Stream
{
    private const int ChunkSize = 1 << 16;

    private readonly string _target;
    private readonly bool _hashed;
    private readonly byte[] _chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
    private SafeFileHandle? _current;
    private long _currentLength;
    private FileStream? _temporary;
    private string? _temporaryPath;
    private IncrementalHash? _hash;
    private long _length;
    private bool _committed;
    private bool _disposed;

    /// <param name="hashed">Whether <see cref="Commit"/> gives the written bytes' ETag.</param>
    public FileReplacement(string target, bool hashed = true)
    {
        _target = target;
        _hashed = hashed;
        try
        {
            _current = File.OpenHandle(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _currentLength = RandomAccess.GetLength(_current);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Missing (the first build) or unreadable: written anew, as when it differs.
            _current?.Dispose();
            _current = null;
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_committed;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (_current is not null && Matches(buffer))
        {
            _length += buffer.Length;
            return;
        }

        var temporary = _temporary ?? Diverge();
        _hash?.AppendData(buffer);
        temporary.Write(buffer);
        _length += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Ends the writing: replaces the target when the bytes differ from it, else leaves it untouched.</summary>
    /// <returns>Whether the target was replaced, the bytes' count, and their ETag when it was and a hash was asked for (else null).</returns>
    public FeedFileWrite Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (_current is not null && _length == _currentLength)
        {
            _committed = true;
            return new FeedFileWrite(false, _length, null);
        }

        var temporary = _temporary ?? Diverge();
        temporary.Dispose();
        // No fsync: the rename is what makes the replacement atomic for readers. Flushing each file to disk only
        // guarded against a power cut, after which the next build writes the feeds again anyway.
        File.Move(_temporaryPath!, _target, overwrite: true);
        _committed = true;
        return new FeedFileWrite(true, _length, _hash is null ? null : FeedDocument.ETagOfHash(_hash.GetCurrentHash()));
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        // Once only: the pooled chunk must not go back to the pool twice.
        if (disposing && !_disposed)
        {
            _disposed = true;
            _current?.Dispose();
            _temporary?.Dispose();
            _hash?.Dispose();
            if (_temporaryPath is not null && !_committed && File.Exists(_temporaryPath))
            {
                File.Delete(_temporaryPath);
            }

            ArrayPool<byte>.Shared.Return(_chunk);
        }

        base.Dispose(disposing);
    }

    /// <summary>Whether the current file holds <paramref name="buffer"/> at the position written up to.</summary>
    private bool Matches(ReadOnlySpan<byte> buffer)
    {
        if (_length + buffer.Length > _currentLength)
        {
            return false;
        }

        for (var done = 0; done < buffer.Length;)
        {
            var want = Math.Min(ChunkSize, buffer.Length - done);
            var read = RandomAccess.Read(_current!, _chunk.AsSpan(0, want), _length + done);
            if (read == 0 || !_chunk.AsSpan(0, read).SequenceEqual(buffer.Slice(done, read)))
            {
                return false;
            }

            done += read;
        }

        return true;
    }

    /// <summary>The bytes differ from the current file: a temporary file beside it, holding the part that matched.</summary>
    private FileStream Diverge()
    {
        var directory = Path.GetDirectoryName(_target)!;
        Directory.CreateDirectory(directory);
        _temporaryPath = Path.Combine(directory, $".{Path.GetFileName(_target)}.{Guid.NewGuid():N}.tmp");
        _temporary = new FileStream(_temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        _hash = _hashed ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        for (long offset = 0; offset < _length;)
        {
            var read = RandomAccess.Read(_current!, _chunk.AsSpan(0, (int)Math.Min(ChunkSize, _length - offset)), offset);
            if (read == 0)
            {
                throw new IOException($"{_target} became shorter while it was compared with the new feed.");
            }

            _hash?.AppendData(_chunk.AsSpan(0, read));
            _temporary.Write(_chunk, 0, read);
            offset += read;
        }

        _current?.Dispose();
        _current = null;
        return _temporary;
    }
}
