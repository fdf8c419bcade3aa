using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Syndicate.IntegrationTests.Mail;

/// <summary>
/// An in-process SMTP server (the SmtpServer package) on 127.0.0.1 at a free port. It records each accepted
/// message's raw bytes, counts connections, answers a chosen reply code for chosen recipients, and can drop
/// every open connection as a server's idle time-out would. Started with a login, it offers AUTH without TLS (as a
/// badly set up relay does) and records every user name and password it was sent.
/// </summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<byte[]> _messages = new();
    private readonly ConcurrentDictionary<Guid, ISessionContext> _sessions = new();
    private readonly ConcurrentDictionary<string, (int Code, string Text)> _replies = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Func<CancellationToken, Task>> _holds = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<(string User, string Password)> _logins = new();
    private readonly CancellationTokenSource _stop = new();
    private SmtpServer.SmtpServer? _server;
    private Task? _running;
    private int _connections;

    public int Port { get; private set; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections open now.</summary>
    public int OpenConnections => _sessions.Count;

    public IReadOnlyList<byte[]> Messages => _messages.ToArray();

    /// <summary>Every AUTH the server was sent, accepted or not.</summary>
    public IReadOnlyList<(string User, string Password)> Logins => _logins.ToArray();

    /// <param name="login">When set, the server offers AUTH PLAIN and LOGIN in clear text and accepts only this user name and password.</param>
    public static async Task<SmtpTestServer> StartAsync((string User, string Password)? login = null)
    {
        var server = new SmtpTestServer();
        await server.StartListeningAsync(login);
        return server;
    }

    /// <summary>From now on, RCPT TO this address is answered with <paramref name="code"/> and <paramref name="text"/>.</summary>
    public void Reply(string address, int code, string text) => _replies[address] = (code, text);

    /// <summary>RCPT TO this address waits until <paramref name="release"/> completes (a slow server), then goes on as usual.</summary>
    public void Hold(string address, Task release) => _holds[address] = cancellationToken => release.WaitAsync(cancellationToken);

    /// <summary>RCPT TO this address is answered <paramref name="delay"/> after it arrives (a slow server).</summary>
    public void Hold(string address, TimeSpan delay) => _holds[address] = cancellationToken => Task.Delay(delay, cancellationToken);

    /// <summary>From now on the server accepts <paramref name="address"/> again (a rejection "fixed").</summary>
    public void Forget(string address) => _replies.TryRemove(address, out _);

    /// <summary>Closes every open connection without a reply, as a server's idle time-out or a restart does.</summary>
    public void DropConnections()
    {
        foreach (var session in _sessions.Values)
        {
            session.Pipe?.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server?.Shutdown();
        if (_running is not null)
        {
            try
            {
                await _running.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // Stopping: whatever the sessions were doing no longer matters.
            }
        }

        _stop.Dispose();
    }

    private async Task StartListeningAsync((string User, string Password)? login)
    {
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) => started.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);

        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.test")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, 0))
                .AllowUnsecureAuthentication(login is not null)
                .AuthenticationRequired(login is not null))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        if (login is { } expected)
        {
            services.Add(new DelegatingUserAuthenticator((user, password) =>
            {
                _logins.Enqueue((user, password));
                return user == expected.User && password == expected.Password;
            }));
        }

        services.Add(listeners);
        services.Add(new Store(_messages));
        services.Add(new Filter(_replies, _holds));
        _server = new SmtpServer.SmtpServer(options, services);
        _server.SessionCreated += (_, e) =>
        {
            Interlocked.Increment(ref _connections);
            _sessions[e.Context.SessionId] = e.Context;
        };
        _server.SessionCompleted += (_, e) => _sessions.TryRemove(e.Context.SessionId, out ISessionContext? _);
        _server.SessionFaulted += (_, e) => _sessions.TryRemove(e.Context.SessionId, out ISessionContext? _);
        _server.SessionCancelled += (_, e) => _sessions.TryRemove(e.Context.SessionId, out ISessionContext? _);
        _running = _server.StartAsync(_stop.Token);
        Port = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class Store(ConcurrentQueue<byte[]> messages) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            messages.Enqueue(buffer.ToArray());
            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    private sealed class Filter(ConcurrentDictionary<string, (int Code, string Text)> replies, ConcurrentDictionary<string, Func<CancellationToken, Task>> holds) : MailboxFilter
    {
        public override async Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            if (holds.TryGetValue($"{to.User}@{to.Host}", out var hold))
            {
                await hold(cancellationToken);
            }

            if (replies.TryGetValue($"{to.User}@{to.Host}", out var reply))
            {
                throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)reply.Code, reply.Text));
            }

            return true;
        }
    }
}
