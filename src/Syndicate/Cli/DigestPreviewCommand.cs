using Microsoft.Extensions.DependencyInjection;
using Syndicate.Digests;
using Syndicate.Posts;
using Syndicate.Storage;

namespace Syndicate.Cli;

/// <summary><c>digest preview [--out FILE.html] [--text] [--send-to EMAIL]</c>: the next digest as a subscriber would get it, without sending or recording anything.</summary>
internal static class DigestPreviewCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string? outFile, bool text, string? sendTo, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        services.GetRequiredService<PostCatalog>().Scan();
        var preview = services.GetRequiredService<DigestPreview>();
        if (sendTo is not null)
        {
            if (!Subscribers.EmailAddressRule.TryNormalize(sendTo, out var address, out var invalid))
            {
                await error.WriteLineAsync($"Not sent: {invalid}.");
                return 1;
            }

            bool sent;
            try
            {
                sent = await preview.SendTestAsync(address, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The mail server refused the copy or could not be reached: its reply, not a stack trace.
                await error.WriteLineAsync($"Not sent: {Mail.SmtpFailure.Classify(ex).Reason}.");
                return 1;
            }

            await output.WriteLineAsync(sent ? $"A test copy of the next digest went to {address}." : "No digest to preview: no post has been published since the last one.");
            return 0;
        }

        var message = await preview.RenderAsync(null, cancellationToken);
        if (message is null)
        {
            await output.WriteLineAsync("No digest to preview: no post has been published since the last one.");
            return 0;
        }

        var page = text ? DigestPreview.TextPage(message) : DigestPreview.HtmlPage(message);
        if (outFile is null)
        {
            await output.WriteAsync(page);
            return 0;
        }

        // Owner only, as the subscribers export: a preview holds the unpublished digest.
        try
        {
            await PrivateFiles.WriteTextAsync(outFile, async writer =>
            {
                await writer.WriteAsync(page.AsMemory(), cancellationToken);
                return true;
            });
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"Cannot write {outFile}: {ex.Message}");
            return 1;
        }

        await error.WriteLineAsync($"Preview of \"{message.Subject}\" written to {outFile}.");
        return 0;
    }
}
