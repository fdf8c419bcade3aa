using System.Diagnostics;
using System.Globalization;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimeKit;
using Syndicate.Digests;
using Syndicate.Hosting;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Subscribers;

namespace Syndicate.Benchmarks;

/// <summary>
/// <c>mail-phases CONTENT_ROOT [DIGEST_ID]</c>: the CPU one digest message costs, step by step, on one thread in this
/// process: building the message for each subscriber, writing it as SMTP DATA (MailKit's dot-stuffing filter, CRLF), and
/// the DKIM signature when Mail:Dkim is set. Process CPU time per message, so a busy machine changes the figures less
/// than wall time. The content root is one of the mail benchmark's (<c>bench/work/mail-N</c>) after a digest was planned.
/// </summary>
internal static class MailPhases
{
    public static async Task<int> RunAsync(string root, long digestId, TextWriter output)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = root, Args = [] });
        builder.Services.AddSyndicate();
        using var host = builder.Build();
        host.Services.GetRequiredService<IStartupValidator>().Validate();
        var catalog = host.Services.GetRequiredService<PostCatalog>();
        catalog.Scan();
        var store = host.Services.GetRequiredService<DigestStore>();
        var messages = host.Services.GetRequiredService<DigestMessages>();
        var subscribers = host.Services.GetRequiredService<SubscriberStore>();
        var signer = host.Services.GetRequiredService<MailSigner>();
        var summary = await store.FindAsync(digestId, CancellationToken.None) ?? throw new InvalidOperationException($"There is no digest {digestId} in {root}.");
        var content = messages.Content(digestId, summary.PlannedAt, await store.PostsAsync(digestId, CancellationToken.None), DateTimeOffset.UtcNow);
        var people = (await subscribers.FindManyAsync(Enumerable.Range(1, 10_000).Select(i => (long)i).ToArray(), CancellationToken.None)).Values
            .OrderBy(s => s.Id).ToList();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Digest {digestId}, {people.Count} subscribers, {Environment.ProcessorCount} cores"));

        // The first round compiles and fills caches (the digest rendered once); the best of the next five is printed.
        for (var round = 0; round < 6; round++)
        {
            var built = new MimeMessage[people.Count];
            var buildCpu = Cpu(() =>
            {
                for (var i = 0; i < people.Count; i++)
                {
                    built[i] = messages.Build(content, people[i]);
                }
            });
            var signCpu = Cpu(() =>
            {
                foreach (var message in built)
                {
                    signer.Sign(message);
                }
            });
            long bytes = 0;
            var writeCpu = Cpu(() =>
            {
                var format = FormatOptions.Default.Clone();
                format.NewLineFormat = NewLineFormat.Dos;
                foreach (var message in built)
                {
                    using var data = new SmtpDataStream();
                    message.WriteTo(format, data);
                    bytes += data.Length;
                }
            });
            if (round > 0)
            {
                Keep("build (DigestMessages.Build)", buildCpu);
                Keep(signer.IsEnabled ? "DKIM sign" : "DKIM sign (Mail:Dkim not set: nothing)", signCpu);
                Keep($"write as SMTP DATA ({bytes / people.Count:N0} bytes a message)", writeCpu);
                Keep("total", buildCpu + signCpu + writeCpu);
            }
        }

        PrintAll(output, people.Count);
        return 0;
    }

    private static TimeSpan Cpu(Action action)
    {
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        action();
        return Process.GetCurrentProcess().TotalProcessorTime - before;
    }

    private static readonly Dictionary<string, TimeSpan> Best = [];

    private static void Keep(string step, TimeSpan cpu) => Best[step] = Best.TryGetValue(step, out var known) && known < cpu ? known : cpu;

    private static void PrintAll(TextWriter output, int count)
    {
        foreach (var (step, cpu) in Best)
        {
            Print(output, step, cpu, count);
        }
    }

    private static void Print(TextWriter output, string step, TimeSpan cpu, int count) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-58} {cpu.TotalMilliseconds * 1000 / count,8:0} µs CPU a message"));

    /// <summary>Counts what MailKit's SMTP client would put on the wire for DATA: dot-stuffed, CRLF line ends.</summary>
    private sealed class SmtpDataStream : Stream
    {
        private readonly MimeKit.IO.FilteredStream _filtered;
        private readonly CountingStream _count = new();

        public SmtpDataStream()
        {
            _filtered = new MimeKit.IO.FilteredStream(_count);
            _filtered.Add(new SmtpDataFilter());
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _count.Length;

        public override long Position { get => Length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _filtered.Write(buffer, offset, count);

        public override void Flush() => _filtered.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _filtered.Dispose();
                _count.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
