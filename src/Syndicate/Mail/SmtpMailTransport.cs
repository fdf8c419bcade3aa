using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Syndicate.Mail;

/// <summary>
/// Mail:Mode = Smtp: one connection to Mail:Smtp, opened on the first message, kept open and reused for the
/// next ones, one message at a time. A connection the server dropped while idle is only noticed when the
/// next message fails on it; that message is then sent once more on a new connection (a drop while idle
/// fails at MAIL FROM, before any data, so the repeat is not a duplicate). Replies (4xx, 5xx) are thrown as MailKit's
/// <see cref="SmtpCommandException"/> for <see cref="SmtpFailure.Classify"/>; the connection stays for the next message.
/// </summary>
internal sealed class SmtpMailTransport : IMailTransport, IAsyncDisposable, IDisposable
{
    private readonly MailOptions.SmtpOptions _smtp;
    private readonly MailSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger<SmtpMailTransport> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SmtpPacer _pacer;
    private SmtpClient? _client;

    /// <param name="pacer">Shared by every transport of the process, so Mail:Smtp:MessagesPerSecond holds over all connections.</param>
    public SmtpMailTransport(IOptions<MailOptions> options, MailSigner signer, TimeProvider time, ILogger<SmtpMailTransport> logger,
        SmtpPacer? pacer = null)
    {
        _smtp = options.Value.Smtp;
        _signer = signer;
        _time = time;
        _logger = logger;
        _pacer = pacer ?? new SmtpPacer(options, time);
    }

    /// <summary>How many connections this transport has opened so far.</summary>
    public int ConnectionsOpened { get; private set; }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_pacer.FirstMessage())
        {
            MailLog.TransportChosen(_logger, "by SMTP", $"{_smtp.Host}:{_smtp.Port} ({_smtp.ParsedSecurity()})", _signer.IsEnabled ? ", DKIM-signed" : "");
        }

        _signer.Sign(message);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _pacer.WaitAsync(cancellationToken);
            var reused = _client is { IsConnected: true };
            var client = await ConnectedClientAsync(cancellationToken);
            try
            {
                await client.SendAsync(message, cancellationToken);
            }
            catch (Exception ex) when (reused && SmtpFailure.IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
            {
                MailLog.SmtpReconnecting(_logger, _smtp.Host, _smtp.Port, SmtpFailure.Classify(ex).Reason, message.MessageId ?? "");
                await DropAsync();
                client = await ConnectedClientAsync(cancellationToken);
                await client.SendAsync(message, cancellationToken);
            }

            MailLog.SmtpSent(_logger, message.MessageId ?? "", _smtp.Host, _smtp.Port);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MailLog.SmtpRejected(_logger, _smtp.Host, _smtp.Port, message.MessageId ?? "", SmtpFailure.Classify(ex).Reason);
            if (_client is { IsConnected: false } || SmtpFailure.IsConnectionFailure(ex))
            {
                await DropAsync();
            }

            throw;
        }
        catch (OperationCanceledException)
        {
            // Cancelled half-way through a command, the connection is in an unknown state.
            await DropAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Opens the connection (connect, greeting, EHLO, TLS and login as configured) before the first message is
    /// ready, so that message does not wait for it. A failure is left for <see cref="SendAsync"/>, which connects
    /// again and reports it, so this never throws.
    /// </summary>
    public async Task ConnectAheadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await ConnectedClientAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            MailLog.SmtpConnectAheadFailed(_logger, _smtp.Host, _smtp.Port, ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is { IsConnected: true } client)
        {
            try
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, quit.Token);
                MailLog.SmtpDisconnected(_logger, _smtp.Host, _smtp.Port);
            }
            catch (Exception)
            {
                // Shutting down: a QUIT the server does not answer changes nothing.
            }
        }

        Dispose();
    }

    public void Dispose()
    {
        _client?.Dispose();
        _client = null;
        _gate.Dispose();
    }

    private async Task<SmtpClient> ConnectedClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } open)
        {
            return open;
        }

        await DropAsync();
        var client = new SmtpClient();
        try
        {
            // Our own socket with Nagle's algorithm off: each message ends in a small write ("." CRLF) that
            // would otherwise wait for the server's delayed acknowledgement, some milliseconds per message.
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(_smtp.Host, _smtp.Port, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            await client.ConnectAsync(socket, _smtp.Host, _smtp.Port, SocketOptions(_smtp.ParsedSecurity()), cancellationToken);
            ConnectionsOpened++;
            if (!string.IsNullOrEmpty(_smtp.UserName))
            {
                RefuseLoginInClear(client);
                await client.AuthenticateAsync(_smtp.UserName, _smtp.Password, cancellationToken);
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }

        MailLog.SmtpConnected(_logger, _smtp.Host, _smtp.Port, client.IsSecure ? "TLS" : "no TLS", string.IsNullOrEmpty(_smtp.UserName) ? "" : ", logged in");
        _client = client;
        return client;
    }

    private void RefuseLoginInClear(SmtpClient client)
    {
        if (ClearTextLoginProblem(_smtp, client.IsSecure) is { } problem)
        {
            throw new AuthenticationException(problem);
        }
    }

    /// <summary>
    /// With Security Auto, a server that offers no STARTTLS leaves the connection in clear text; a login there would hand
    /// the password to anyone on the path (or to whoever stripped the STARTTLS offer). Only an explicit Security None
    /// sends it so. Null when a login may go ahead (or none is configured); else the sentence for the operator. The
    /// transport throws it as a refused login: permanent, until the operator changes Mail:Smtp.
    /// </summary>
    internal static string? ClearTextLoginProblem(MailOptions.SmtpOptions smtp, bool isSecure) =>
        string.IsNullOrEmpty(smtp.UserName) || isSecure || smtp.ParsedSecurity() == SmtpSecurity.None
            ? null
            : $"the server at {smtp.Host}:{smtp.Port} offered no TLS, so the password was not sent. Set Mail:Smtp:Security to " +
              "StartTls or SslOnConnect for a server with TLS, or to None to log in without encryption (a trusted network only).";

    private async Task DropAsync()
    {
        var client = _client;
        _client = null;
        if (client is null)
        {
            return;
        }

        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(quit: false);
            }
        }
        catch (Exception)
        {
            // The connection is being thrown away because it failed; closing it may fail the same way.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Mail:Smtp:Security as MailKit's socket options; also used to check that the server answers.</summary>
    internal static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}
